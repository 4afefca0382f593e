<?php
// POST echo: decode the JSON body and encode it again, as apps/hello.lua.
$v = json_decode(file_get_contents('php://input'));
if ($v === null) {
    http_response_code(400);
    header('Content-Type: application/json');
    echo '{"error":"JSON body required"}';
    exit;
}
header('Content-Type: application/json');
echo json_encode($v);
