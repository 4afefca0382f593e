# man pages (fcgiserve.8, fcgiserve.conf.5, fcgiserve-lua.7).  Included by
# the top Makefile.am after its "EXTRA_DIST =" and "TESTS =" lines.  Written
# in mdoc; "make check-man" lints them (mandoc, from Debian's mandoc
# package).  make check runs check-keys.sh: fcgiserve.conf(5) must document
# exactly the keys of conf/fcgiserve.conf.in and src/conf.c.

dist_man_MANS = \
	man/fcgiserve.8 \
	man/fcgiserve.conf.5 \
	man/fcgiserve-lua.7

TESTS += man/check-keys.sh
dist_check_SCRIPTS += man/check-keys.sh

check-man:
	@command -v mandoc >/dev/null || { echo "check-man: mandoc not found (apt-get install mandoc)" >&2; exit 1; }
	cd $(srcdir) && mandoc -Tlint -Wwarning $(dist_man_MANS)
	cd $(srcdir) && for m in $(dist_man_MANS); do \
	    groff -ww -z -mandoc "$$m" 2>&1 | { ! grep .; } || exit 1; \
	done

.PHONY: check-man
