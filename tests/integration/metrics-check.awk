# metrics-check.awk -- a syntax checker for the text exposition formats,
# used by the status tests in place of promtool (not in Debian's test
# dependencies).  Run as
#     awk -v format=openmetrics -f metrics-check.awk FILE
#     awk -v format=prometheus  -f metrics-check.awk FILE
# It prints one line per fault ("line N: what") and exits 1 if there was
# any.  What it checks, from the OpenMetrics 1.0 specification and the
# Prometheus text format 0.0.4:
#   - metric and label names, label values with their escapes, sample
#     values (floats, NaN, +Inf, -Inf) and optional timestamps;
#   - # HELP / # TYPE (and # UNIT) before a family's samples, each at most
#     once, with a known type; no family declared twice, samples of a
#     family together, no sample outside a declared family;
#   - OpenMetrics: a counter family is named without _total and its
#     samples are NAME_total (or NAME_created); no other # lines; the
#     last line is "# EOF", exactly once, and nothing follows it;
#   - Prometheus: a counter's family name ends in _total (the naming rule
#     promtool checks); no # EOF;
#   - counters are not negative; no two samples with the same name and
#     labels; no blank lines; every line ends with a newline (checked by
#     the caller, awk cannot see it).
# Only the types fcgiserve uses (counter, gauge) get suffix rules.

function fault(msg) {
	printf "line %d: %s: %s\n", NR, msg, $0
	bad = 1
}

function valid_name(s) {
	return s ~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
}

function valid_value(s) {
	return s ~ /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/ ||
	    s == "NaN" || s == "+Inf" || s == "-Inf" || s == "Inf"
}

# Parses the label set at the start of s ("{a=\"x\",b=\"y\"}");
# returns the rest of the line after "}", or the string "\001" on error.
# The canonical label set (sorted is not needed: we emit in order) goes
# to the global "labels".
function parse_labels(s,    name, val, c, seen, first) {
	labels = ""
	s = substr(s, 2)
	first = 1
	split("", seen)
	while (1) {
		if (substr(s, 1, 1) == "}")
			return substr(s, 2)
		if (!first) {
			if (substr(s, 1, 1) != ",")
				return "\001"
			s = substr(s, 2)
			# a trailing comma before } is allowed by OpenMetrics
			if (substr(s, 1, 1) == "}")
				return substr(s, 2)
		}
		first = 0
		if (!match(s, /^[a-zA-Z_][a-zA-Z0-9_]*="/))
			return "\001"
		name = substr(s, 1, RLENGTH - 2)
		if (name in seen)
			return "\001"
		seen[name] = 1
		s = substr(s, RLENGTH + 1)
		val = ""
		while (1) {
			if (s == "")
				return "\001"
			c = substr(s, 1, 1)
			if (c == "\"")
				break
			if (c == "\\") {
				c = substr(s, 2, 1)
				if (c != "\\" && c != "\"" && c != "n")
					return "\001"
				val = val "\\" c
				s = substr(s, 3)
				continue
			}
			val = val c
			s = substr(s, 2)
		}
		s = substr(s, 2)
		labels = labels "," name "=" val
	}
}

# The family a sample name belongs to, for the current family's type.
function family_of(name) {
	if (format == "openmetrics" && cur_type == "counter") {
		if (name == cur "_total" || name == cur "_created")
			return cur
		return ""
	}
	return name == cur ? cur : ""
}

BEGIN {
	if (format != "openmetrics" && format != "prometheus") {
		print "metrics-check.awk: set -v format=openmetrics or prometheus"
		usage = 1
		exit 2
	}
	cur = ""
	eof = 0
	bad = 0
}

{
	if (eof) {
		fault("text after # EOF")
		next
	}
	if ($0 == "") {
		fault("blank line")
		next
	}
	if ($0 ~ /\r/) {
		fault("carriage return")
		next
	}
}

/^#/ {
	if ($0 == "# EOF") {
		if (format != "openmetrics")
			fault("# EOF in the Prometheus format")
		eof = 1
		next
	}
	if (!match($0, /^# (HELP|TYPE|UNIT) /)) {
		if (format == "openmetrics")
			fault("a # line that is not HELP, TYPE, UNIT or EOF")
		next
	}
	kind = substr($0, 3, 4)
	rest = substr($0, 8)
	name = rest
	sub(/ .*/, "", name)
	text = substr(rest, length(name) + 2)
	if (!valid_name(name)) {
		fault("bad metric name '" name "'")
		next
	}
	if (name != cur) {
		# A new family: it must not have been seen before.
		if (name in families)
			fault("family " name " declared again")
		families[name] = 1
		cur = name
		cur_type = "unknown"
		cur_samples = 0
		split("", meta)
	}
	if (cur_samples > 0)
		fault("# " kind " after the samples of " name)
	if (kind in meta)
		fault("second # " kind " for " name)
	meta[kind] = 1
	if (kind == "TYPE") {
		if (text !~ /^(counter|gauge|histogram|gaugehistogram|stateset|info|summary|unknown|untyped)$/)
			fault("unknown type '" text "'")
		if (format == "openmetrics" && text == "untyped")
			fault("untyped is Prometheus 0.0.4, not OpenMetrics")
		cur_type = text
		if (text == "counter" && format == "openmetrics" &&
		    name ~ /_total$/)
			fault("an OpenMetrics counter family is named without _total")
		if (text == "counter" && format == "prometheus" &&
		    name !~ /_total$/)
			fault("a Prometheus counter's name should end in _total")
	}
	if (kind == "HELP" && text == "")
		fault("empty HELP")
	if (kind == "HELP" && text ~ /\\[^\\n]/)
		fault("bad escape in HELP")
	next
}

{
	line = $0
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) {
		fault("a sample line without a metric name")
		next
	}
	name = substr(line, 1, RLENGTH)
	line = substr(line, RLENGTH + 1)
	labels = ""
	if (substr(line, 1, 1) == "{") {
		line = parse_labels(line)
		if (line == "\001") {
			fault("bad label set")
			next
		}
	}
	if (substr(line, 1, 1) != " ") {
		fault("no space before the value")
		next
	}
	n = split(substr(line, 2), f, " ")
	if (n < 1 || n > 2 || substr(line, 2) ~ /^ | $|  /) {
		fault("expected a value and an optional timestamp")
		next
	}
	if (!valid_value(f[1]))
		fault("bad value '" f[1] "'")
	if (n == 2 && !valid_value(f[2]))
		fault("bad timestamp '" f[2] "'")
	if (cur == "" || family_of(name) == "") {
		fault("sample " name " outside its family (current: '" cur "')")
		next
	}
	if (cur_type == "counter" && f[1] ~ /^-/)
		fault("negative counter")
	key = name labels
	if (key in series)
		fault("duplicate sample " key)
	series[key] = 1
	cur_samples++
	nsamples++
}

END {
	if (usage)
		exit 2
	if (format == "openmetrics" && !eof && !bad)
		fault("no # EOF at the end")
	if (nsamples == 0 && !bad) {
		print "no samples"
		bad = 1
	}
	exit bad
}
