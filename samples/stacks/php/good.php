<?php
// good.php (nginx + php-fpm): the JSON OSS wants, without a Content-Length.
header('Content-Type: application/json');
echo json_encode(['Status' => 'OK']);
