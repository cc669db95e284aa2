<?php
// router.php for `php -S`: includes config.php, whose BOM is printed before the JSON.
require __DIR__ . '/config.php';
header('Content-Type: application/json');
echo json_encode(["Status" => $callback_status]);
