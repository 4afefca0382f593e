# man pages (fcgiserve.8, fcgiserve.conf.5, fcgiserve-lua.7)
