#!/bin/sh
# CGI (dash): {"hello":"world","n":<n>}
# As /work/shared/peers/hello.sh (the reference measurement).
q="&$QUERY_STRING"
case "$q" in *"&n="*) n=${q#*&n=}; n=${n%%&*} ;; *) n= ;; esac
s=${n#-}; sign=${n%"$s"}
case "$s" in ''|*[!0-9]*) s=0; sign= ;; esac
while [ "${s#0}" != "$s" ] && [ -n "${s#0}" ]; do s=${s#0}; done
printf 'Content-Type: application/json\r\n\r\n{"hello":"world","n":%s}' "$sign$s"
