-- appenv for Neovim: the current buffer's app environment in vim.env, so
-- that jobs, :terminal, :! and language servers started for the buffer run
-- in it. Works on Neovim 0.7 and later: only vim.fn.jobstart, vim.loop
-- and the 0.7 autocmd API.
--
-- The answer comes from `appenv status --json` (docs/json.md), asked in the
-- background: Neovim never waits on appenv, but for a short bounded wait
-- when a file of an app not asked about yet is opened. It is always asked with the environment Neovim had before any load of ours, so that
-- what one app set never leaks into what the next one reports.

local M = {}

-- vim.uv from 0.10 on, vim.loop before.
local uv = vim.uv or vim.loop

M.config = {
  -- The appenv program.
  executable = 'appenv',
  -- How often watched files are checked for changes on disk, in ms (0: never).
  poll_ms = 1000,
  -- How long one call of appenv may take before it is given up, in ms.
  timeout_ms = 10000,
  -- How long opening a file of an app not asked about yet waits for the
  -- answer, in ms, so that language servers started on FileType get the
  -- environment; past it the answer is applied when it arrives.
  wait_ms = 500,
}

local state = {
  -- name -> the value it had before we touched it (false: it was unset).
  saved = {},
  -- name -> the value we gave it (false: we unset it).
  applied = {},
  -- The status applied last, and the directory it was asked for.
  current = nil,
  dir = nil,
  -- dir -> { status = ..., stamps = ... }: a status stays good while
  -- nothing it watches changes.
  cache = {},
  -- dir -> the job asking appenv about it; the directory the current
  -- buffer follows, the only one whose answer is applied.
  pending = {},
  want = nil,
  -- allow/deny still running.
  commands = 0,
  -- root -> what was last said about it, so each message reaches the user
  -- once; failures to run appenv, the same.
  said = {},
  failed = {},
  timer = nil,
  missing_said = false,
}

local function getenv(name)
  local v = vim.fn.getenv(name)
  if v == vim.NIL then
    return nil
  end
  return v
end

local function setenv(name, value)
  if value == nil or value == false then
    vim.fn.setenv(name, vim.NIL)
  else
    vim.fn.setenv(name, value)
  end
end

-- Said after the event that caused it has finished: a message given while
-- `:write` still shows its own "written" line would stack under it and ask
-- for Enter; scheduled, it takes that line's place.
local function notify(msg, level)
  vim.schedule(function()
    vim.notify('appenv: ' .. msg, level or vim.log.levels.WARN)
  end)
end

-- Neovim's environment with our load taken out: what appenv must see.
-- A variable changed by hand since we set it is the user's and stays.
local function base_env()
  local env = vim.fn.environ()
  for name, mine in pairs(state.applied) do
    if env[name] == (mine or nil) then
      env[name] = state.saved[name] or nil
    end
  end
  if next(env) == nil then
    return vim.empty_dict()
  end
  return env
end

-- Starts appenv with `args` and the base env, in the background; calls
-- `done(stdout, status, stderr)` when it has exited, with stdout nil when it
-- could not run (not found, not started, timed out). Returns the job id, or
-- nil when it did not start (`done` has been called then).
-- jobstart's callbacks, not vim.system: the same code on Debian's 0.7 and on
-- 0.10 and later, tested here on the first.
local function run(args, done)
  if vim.fn.executable(M.config.executable) == 0 then
    if not state.missing_said then
      state.missing_said = true
      notify(M.config.executable .. ' not found on PATH', vim.log.levels.ERROR)
    end
    done(nil, -1, 'not found')
    return nil
  end
  local out, err, timed_out = {}, {}, false
  local cmd = { M.config.executable }
  vim.list_extend(cmd, args)
  -- Output callbacks come before on_exit: by then both are complete.
  local ok, id = pcall(vim.fn.jobstart, cmd, {
    env = base_env(),
    clear_env = true,
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = function(_, data)
      out = data
    end,
    on_stderr = function(_, data)
      err = data
    end,
    on_exit = function(_, rc)
      if timed_out then
        done(nil, -1, 'timed out')
      else
        done(table.concat(out, '\n'), rc, table.concat(err, '\n'))
      end
    end,
  })
  if not ok or id <= 0 then
    done(nil, -1, 'cannot start ' .. M.config.executable)
    return nil
  end
  if M.config.timeout_ms > 0 then
    vim.defer_fn(function()
      if vim.fn.jobwait({ id }, 0)[1] == -1 then
        timed_out = true
        vim.fn.jobstop(id)
      end
    end, M.config.timeout_ms)
  end
  return id
end

-- The directory whose app a buffer belongs to: its file's (the nearest that
-- exists, for a new file), or the working directory for a buffer that is no
-- file (`oil://…`), and for an unnamed one when `cwd` is asked for. nil for
-- special buffers (help, quickfix, terminal) and for unnamed ones entered:
-- they keep what is loaded, so that `:terminal` and `:new`, which enter an
-- unnamed buffer first, start from the buffer they were opened from.
local function dir_for(buf, cwd)
  if vim.bo[buf].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(buf)
  if name == '' then
    return cwd and vim.fn.getcwd() or nil
  end
  if name:match('^%a[%w+.-]*://') then
    return vim.fn.getcwd()
  end
  local dir = vim.fn.fnamemodify(name, ':p:h')
  while dir ~= '/' and vim.fn.isdirectory(dir) == 0 do
    dir = vim.fn.fnamemodify(dir, ':h')
  end
  return dir
end

-- The change time too: a rewrite whose modification time is put back
-- (`touch -d`, `cp -p`, `rsync -a`, a new file in a directory whose time
-- `touch -r` restores) still moves it, and nothing sets it back.
local function stamp(path)
  local st = uv.fs_stat(path)
  if not st then
    return 'none'
  end
  return table.concat({
    st.dev,
    st.ino,
    st.mode,
    st.size,
    st.mtime.sec,
    st.mtime.nsec,
    st.ctime.sec,
    st.ctime.nsec,
  }, ':')
end

local function stamps(status)
  local out = {}
  for _, path in ipairs(status.watch or {}) do
    out[path] = stamp(path)
  end
  return out
end

local function unchanged(entry)
  for path, s in pairs(entry.stamps) do
    if stamp(path) ~= s then
      return false
    end
  end
  return true
end

local function nonnull(v)
  if v == vim.NIL then
    return nil
  end
  return v
end

-- What to tell the user about `status`: its message, else the problems of
-- an app that loaded anyway (a value that is not UTF-8), else nil.
local function message_of(status)
  local msg = nonnull(status.message)
  if msg then
    return msg
  end
  local parts = {}
  for _, e in ipairs(status.errors or {}) do
    local where = nonnull(e.file) or ''
    if nonnull(e.line) then
      where = where .. ':' .. e.line
    end
    table.insert(parts, (where ~= '' and where .. ': ' or '') .. e.message)
  end
  if #parts > 0 then
    return table.concat(parts, '; ')
  end
  return nil
end

-- Tells the user what is wrong with the app, once: again only when what
-- there is to say about that app changes.
local function tell(status)
  local key = nonnull(status.root) or ''
  local msg = message_of(status)
  if msg == state.said[key] then
    return
  end
  state.said[key] = msg
  if msg then
    local level = status.trust == 'error' and vim.log.levels.ERROR or vim.log.levels.WARN
    notify(msg, level)
  end
end

-- Makes vim.env hold exactly the app's variables over the original ones,
-- with a hook load that Neovim inherited from its shell taken out first
-- (`revert`), whatever the app: no buffer keeps another app's values.
local function apply(status)
  local want = {}
  local revert = status and type(status.revert) == 'table' and status.revert or {}
  for name, value in pairs(type(revert.vars) == 'table' and revert.vars or {}) do
    want[name] = value
  end
  for _, name in ipairs(type(revert.unset) == 'table' and revert.unset or {}) do
    want[name] = false
  end
  if status and status.trust == 'allowed' then
    for name, value in pairs(status.vars or {}) do
      want[name] = value
    end
    for _, name in ipairs(status.unset or {}) do
      want[name] = false
    end
  end
  for name, mine in pairs(state.applied) do
    if want[name] == nil then
      if getenv(name) == (mine or nil) then
        setenv(name, state.saved[name])
      end
      state.applied[name] = nil
      state.saved[name] = nil
    end
  end
  for name, value in pairs(want) do
    if state.applied[name] == nil then
      state.saved[name] = getenv(name) or false
    end
    if state.applied[name] ~= value or getenv(name) ~= (value or nil) then
      setenv(name, value)
      state.applied[name] = value
    end
  end
end

local function watch_timer()
  if M.config.poll_ms <= 0 then
    return
  end
  if not state.timer then
    state.timer = uv.new_timer()
    state.timer:start(
      M.config.poll_ms,
      M.config.poll_ms,
      vim.schedule_wrap(function()
        local entry = state.dir and state.cache[state.dir]
        if entry and not unchanged(entry) and not state.pending[state.dir] then
          M.reload()
        end
      end)
    )
  end
end

local function failed(why)
  local key = 'run:' .. why
  if not state.failed[key] then
    state.failed[key] = true
    notify('appenv status failed: ' .. why, vim.log.levels.ERROR)
  end
end

local function use(dir, status)
  state.current, state.dir = status, dir
  apply(status)
  tell(status)
  watch_timer()
end

-- Asks appenv about `dir` in the background, unless a job already does.
-- `force`: a job started before a file changed may answer from before the
-- change, so it is stopped and a new one asked. The answer is cached, and
-- applied only if the current buffer still follows `dir` when it arrives:
-- a later buffer of another app supersedes an earlier request.
local function ask(dir, force)
  local running = state.pending[dir]
  if running then
    if not force then
      return
    end
    state.pending[dir] = nil
    vim.fn.jobstop(running)
  end
  local id
  id = run({ '-C', dir, 'status', '--json' }, function(out, rc, err)
    if state.pending[dir] ~= id then
      return -- stopped for a newer request
    end
    state.pending[dir] = nil
    if not out then
      if err ~= 'not found' then
        failed(err)
      end
      return
    end
    local ok, status = pcall(vim.fn.json_decode, out)
    if rc ~= 0 or not ok or type(status) ~= 'table' or status.version ~= 1 then
      failed((err ~= '' and err) or ('exit status ' .. rc))
      return
    end
    state.cache[dir] = { status = status, stamps = stamps(status) }
    if dir == state.want then
      use(dir, status)
    end
  end)
  state.pending[dir] = id
end

local function fresh(dir)
  local entry = state.cache[dir]
  return entry and unchanged(entry) and entry.status or nil
end

--- Follows the app of buffer `buf` (default: the current one): at once
--- from the cache while nothing the answer watches changed, else when
--- appenv answers. `wait_ms`: how long to wait for that answer here.
function M.update(buf, force, cwd, wait_ms)
  buf = buf or vim.api.nvim_get_current_buf()
  if buf ~= vim.api.nvim_get_current_buf() or not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  local dir = dir_for(buf, cwd)
  if not dir then
    return
  end
  state.want = dir
  local status = not force and fresh(dir)
  if status then
    use(dir, status)
    return
  end
  ask(dir, force)
  if wait_ms and wait_ms > 0 and state.pending[dir] then
    vim.wait(wait_ms, function()
      return state.pending[dir] == nil
    end, 5)
  end
end

--- Asks appenv again for the current buffer, whatever the cache says;
--- requests still on their way were asked before the change and are dropped.
function M.reload()
  for _, id in pairs(state.pending) do
    vim.fn.jobstop(id)
  end
  state.pending = {}
  state.cache = {}
  M.update(nil, true, true)
end

--- Whether a request to appenv (or :AppenvAllow, :AppenvDeny) is still on
--- its way.
function M.busy()
  return next(state.pending) ~= nil or state.commands > 0
end

--- The status of the app around `dir` (docs/json.md), cached while nothing
--- it watches changes; nil when appenv cannot be run. Waits for the answer
--- (up to timeout_ms): for scripts and lspconfig's on_new_config, not used
--- by the plugin itself.
function M.status(dir, force)
  dir = dir or vim.fn.getcwd()
  local status = not force and fresh(dir)
  if status then
    return status
  end
  ask(dir, force)
  vim.wait(M.config.timeout_ms + 1000, function()
    return state.pending[dir] == nil
  end, 5)
  return fresh(dir)
end

--- The status applied to the editor now (nil before the first).
function M.current()
  return state.current
end

local function trust_command(verb)
  local dir = dir_for(vim.api.nvim_get_current_buf(), true) or vim.fn.getcwd()
  state.commands = state.commands + 1
  run({ verb, dir }, function(out, rc, err)
    state.commands = state.commands - 1
    if rc ~= 0 then
      notify(verb .. ' failed: ' .. ((err ~= '' and err) or (out or '')), vim.log.levels.ERROR)
      return
    end
    -- allow/deny say what they did on stderr.
    notify(((err ~= '' and err) or verb):gsub('^appenv: ', ''):gsub('\n$', ''), vim.log.levels.INFO)
    state.said = {}
    M.reload()
  end)
end

function M.allow()
  trust_command('allow')
end

function M.deny()
  trust_command('deny')
end

--- A summary for :AppenvStatus (names only, never values).
function M.describe()
  local s = state.current
  if not s then
    return 'appenv: no status yet'
  end
  local lines = { 'root         ' .. (nonnull(s.root) or 'none') }
  if nonnull(s.environment) then
    table.insert(lines, 'environment  ' .. s.environment)
  end
  table.insert(lines, 'trust        ' .. s.trust)
  if nonnull(s.message) then
    table.insert(lines, 'message      ' .. s.message)
  end
  local names = vim.tbl_keys(s.vars or {})
  table.sort(names)
  if #names > 0 then
    table.insert(lines, 'sets         ' .. table.concat(names, ' '))
  end
  if #(s.unset or {}) > 0 then
    table.insert(lines, 'unsets       ' .. table.concat(s.unset, ' '))
  end
  for _, e in ipairs(s.errors or {}) do
    local where = nonnull(e.file) or ''
    if nonnull(e.line) then
      where = where .. ':' .. e.line
    end
    table.insert(lines, 'error        ' .. where .. ': ' .. e.message)
  end
  return table.concat(lines, '\n')
end

--- Options over M.config; the plugin file calls M.attach itself.
function M.setup(opts)
  M.config = vim.tbl_extend('force', M.config, opts or {})
end

local function watched(path)
  local entry = state.dir and state.cache[state.dir]
  if not entry then
    return false
  end
  return entry.stamps[path] ~= nil
end

function M.attach()
  local group = vim.api.nvim_create_augroup('appenv', { clear = true })
  -- BufReadPre and BufNewFile come before FileType, where language servers
  -- start: the environment is in place by then.
  vim.api.nvim_create_autocmd({ 'BufReadPre', 'BufNewFile' }, {
    group = group,
    callback = function(args)
      M.update(args.buf, false, false, M.config.wait_ms)
    end,
  })
  vim.api.nvim_create_autocmd('BufEnter', {
    group = group,
    callback = function(args)
      M.update(args.buf)
    end,
  })
  vim.api.nvim_create_autocmd({ 'DirChanged', 'VimEnter' }, {
    group = group,
    callback = function()
      M.update(nil, false, true)
    end,
  })
  vim.api.nvim_create_autocmd('BufWritePost', {
    group = group,
    callback = function(args)
      local path = vim.fn.fnamemodify(args.file, ':p')
      if watched(path) then
        M.reload()
      end
    end,
  })
  vim.api.nvim_create_user_command('AppenvAllow', M.allow, { desc = 'appenv allow the current app' })
  vim.api.nvim_create_user_command('AppenvDeny', M.deny, { desc = 'appenv deny the current app' })
  vim.api.nvim_create_user_command('AppenvReload', M.reload, { desc = 'Ask appenv again' })
  vim.api.nvim_create_user_command('AppenvStatus', function()
    vim.notify(M.describe(), vim.log.levels.INFO)
  end, { desc = 'What appenv applied' })
end

return M
