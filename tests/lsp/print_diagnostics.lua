-- Started by tests/lsp.rs: `nvim --headless --clean -c "luafile <this>"`.
-- Opens CL_FILE, attaches `CL_BIN lsp` through Neovim's built-in client,
-- waits for diagnostics and writes one line per diagnostic to CL_OUT:
-- `line:col code`, then quits.
local bin = os.getenv("CL_BIN")
local file = os.getenv("CL_FILE")
local out = os.getenv("CL_OUT")
vim.cmd("edit " .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = "compose-lint",
  cmd = { bin, "lsp" },
  root_dir = vim.fn.fnamemodify(file, ":h"),
})
vim.lsp.buf_attach_client(buf, id)
vim.wait(30000, function()
  return #vim.diagnostic.get(buf) > 0
end, 50)
local f = io.open(out, "w")
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code
  if code == nil and d.user_data and d.user_data.lsp then
    code = d.user_data.lsp.code
  end
  f:write(string.format("%d:%d %s\n", d.lnum + 1, d.col + 1, tostring(code)))
end
f:close()
vim.lsp.stop_client(id)
vim.cmd("qa!")
