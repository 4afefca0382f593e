<?php
// ~5 ms of CPU: sum of integers (loop count calibrated on this machine)
// As /work/shared/peers/hello-cpu.php; tests/bench/run rewrites the count
// when BENCH_PHP_LOOP is set.
$ru0 = getrusage();
$s = 0;
for ($i = 0; $i < 1600000; $i++) { $s += $i; } // BENCH_CPU_LOOP
$ru1 = getrusage();
$us = ($ru1['ru_utime.tv_sec'] - $ru0['ru_utime.tv_sec']) * 1000000 + ($ru1['ru_utime.tv_usec'] - $ru0['ru_utime.tv_usec'])
    + ($ru1['ru_stime.tv_sec'] - $ru0['ru_stime.tv_sec']) * 1000000 + ($ru1['ru_stime.tv_usec'] - $ru0['ru_stime.tv_usec']);
header('Content-Type: application/json');
header('X-Work-CPU-us: ' . $us);
header('X-Sum: ' . $s);
$n = isset($_GET['n']) ? (int)$_GET['n'] : 0;
echo json_encode(['hello' => 'world', 'n' => $n]);
