-- A template holding one 16 MiB Lua array: malloc serves a block that big
-- from its own anonymous mapping (mmap), not from the brk heap.
local t = {}
for i = 1, 1 << 20 do
  t[i] = i
end
return function()
  return { n = #t }
end
