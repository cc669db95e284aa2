<?php
// config.php was saved "UTF-8 with BOM": PHP prints the 3 bytes EF BB BF before the <?php tag.
$callback_status = "OK";
