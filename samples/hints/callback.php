<?php
// php-demo-empty-200 (record-hints.sh): verifies the callback's signature as OSS documents
// (facts §3.1: RSA MD5 over url_decode(path), the query with its '?', "\n", the body) and, when
// it does not verify, rejects the way OSS's official PHP demo does (facts §5): exit() before any
// output, which PHP answers as 200 with an empty body. Written for these samples.
$signature = base64_decode($_SERVER['HTTP_AUTHORIZATION'] ?? '');
$body = file_get_contents('php://input');
$uri = $_SERVER['REQUEST_URI'];
$question = strpos($uri, '?');
$toSign = ($question === false ? urldecode($uri) : urldecode(substr($uri, 0, $question)) . substr($uri, $question))
    . "\n" . $body;
$key = openssl_pkey_get_public(file_get_contents(__DIR__ . '/../keys/test-callback-public.pem'));
if ($signature === '' || openssl_verify($toSign, $signature, $key, OPENSSL_ALGO_MD5) !== 1) {
    exit();
}
header('Content-Type: application/json');
echo json_encode(['Status' => 'OK']);
