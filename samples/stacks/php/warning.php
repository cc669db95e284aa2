<?php
// warning.php (nginx + php-fpm, display_errors on): a warning is printed before the JSON.
header('Content-Type: application/json');
echo $undefined_status;
echo json_encode(['Status' => 'OK']);
