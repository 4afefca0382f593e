#!/bin/sh
# CGI (dash): ~100 KB of JSON built per request, as apps/hello.lua's
# /fcgiserve/big (same items, same bytes up to key order).
count=900
printf 'Content-Type: application/json\r\n\r\n{"count":%d,"items":[' $count
i=1
while [ $i -le $count ]; do
	[ $i -eq 1 ] || printf ,
	printf '{"id":%d,"name":"item-%d","email":"user-%d@example.com","active":true,"score":%d,"tags":["alpha","beta","gamma"]}' \
	    $i $i $i $((i * 7 % 1000))
	i=$((i + 1))
done
printf ']}'
