#!/bin/sh
# CGI (dash) + ~5 ms of CPU: sum of integers (loop count calibrated on this machine)
# As /work/shared/peers/hello-cpu.sh; tests/bench/run rewrites the count
# when BENCH_DASH_LOOP is set.
i=0; t=0
while [ $i -lt 4850 ]; do t=$((t+i)); i=$((i+1)); done # BENCH_CPU_LOOP
q="&$QUERY_STRING"
case "$q" in *"&n="*) n=${q#*&n=}; n=${n%%&*} ;; *) n= ;; esac
s=${n#-}; sign=${n%"$s"}
case "$s" in ''|*[!0-9]*) s=0; sign= ;; esac
while [ "${s#0}" != "$s" ] && [ -n "${s#0}" ]; do s=${s#0}; done
printf 'Content-Type: application/json\r\nX-Sum: %s\r\n\r\n{"hello":"world","n":%s}' "$t" "$sign$s"
