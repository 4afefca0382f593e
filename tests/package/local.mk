# packaging test: make check-deb
