<?php
// ~100 KB of JSON built per request, as apps/hello.lua's /fcgiserve/big.
$count = 900;
$items = [];
for ($i = 1; $i <= $count; $i++) {
    $items[] = ['id' => $i, 'name' => "item-$i", 'email' => "user-$i@example.com",
        'active' => true, 'score' => ($i * 7) % 1000, 'tags' => ['alpha', 'beta', 'gamma']];
}
header('Content-Type: application/json');
echo json_encode(['count' => $count, 'items' => $items]);
