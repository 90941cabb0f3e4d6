-- Loaded from 'runtimepath': follow each buffer's app. Set
-- vim.g.loaded_appenv = 1 before this runs to keep it off.
if vim.g.loaded_appenv then
  return
end
vim.g.loaded_appenv = 1

require('appenv').attach()
