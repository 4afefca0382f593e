-- An app that is a plain function instead of a router.
return function(req)
  return { app = "function", method = req.method, path = req.path }
end
