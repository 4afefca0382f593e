<?php
// As /work/shared/peers/hello.php (the reference measurement).
header('Content-Type: application/json');
$n = isset($_GET['n']) ? (int)$_GET['n'] : 0;
echo json_encode(['hello' => 'world', 'n' => $n]);
