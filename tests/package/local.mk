# The Debian packaging test: make check-deb (root, apt; not part of
# "make check").  Builds fcgiserve_*.deb from a copy of the distribution
# (make distdir), lints it, installs it with nginx, serves the example app
# through nginx with the installed daemon and configuration, then purges
# it.  Included by the top Makefile.am after its "EXTRA_DIST =" line.

EXTRA_DIST += \
	tests/package/check-deb.sh \
	debian/README.Debian \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/fcgiserve.dirs \
	debian/fcgiserve.docs \
	debian/fcgiserve.init \
	debian/fcgiserve.lintian-overrides \
	debian/fcgiserve.logrotate \
	debian/fcgiserve.postinst \
	debian/fcgiserve.postrm \
	debian/fcgiserve.service \
	debian/rules \
	debian/source/format

# DEB_BUILD_OPTIONS=nocheck skips make check inside the package build.
check-deb:
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PACKAGE_VERSION='$(PACKAGE_VERSION)' MAKE='$(MAKE)' \
	bash '$(abs_top_srcdir)/tests/package/check-deb.sh'

.PHONY: check-deb
