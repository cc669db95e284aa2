<?php
// php-warning-before-json (record-hints.sh): a callback handler that reads a form field
// the request does not have. PHP 8 prints "Warning: Undefined array key" into the answer
// (display_errors on) before the JSON, which OSS then cannot parse.
header('Content-Type: application/json');
parse_str(file_get_contents('php://input'), $form);
$uploader = $form['x:uploader'];
echo json_encode(['Status' => 'OK']);
