" appenv for Vim: the current buffer's app environment in Vim's own
" environment, so that :!, system(), :terminal and jobs started from the
" buffer run in it. Vim 8.2 and later: setenv(), getenv(), job_start().
"
" The answer comes from `appenv status --json` (docs/json.md), asked
" asynchronously and always with the environment Vim had before any load of
" ours, so that what one app set never leaks into what the next reports.

" name -> the value it had before we touched it (v:null: it was unset).
let s:saved = {}
" name -> the value we gave it (v:null: we unset it).
let s:applied = {}
" dir -> {'status': ..., 'stamps': ...}: good while nothing it watches changes.
let s:cache = {}
" dir -> the job asking appenv about it.
let s:pending = {}
" dir -> 1 when a file was written while its job ran: its answer may be
" older than the file, so it is asked again.
let s:stale = {}
" root -> what was last said about it, so that each message is said once.
let s:said = {}
" The directory the current buffer follows, and the status applied last.
let s:want = ''
let s:current = v:null
let s:timer = -1

function! s:option(name, default) abort
  return get(g:, 'appenv_' . a:name, a:default)
endfunction

" Equal, v:null included (a string never equals v:null).
function! s:same(a, b) abort
  return type(a:a) == type(a:b) && a:a ==# a:b
endfunction

function! s:say(msg, level) abort
  execute 'echohl' (a:level ==# 'error' ? 'ErrorMsg' : 'WarningMsg')
  echomsg 'appenv: ' . a:msg
  echohl None
endfunction

" Runs Fn with our load taken out of Vim's environment, so that a process it
" starts (appenv) inherits Vim's original environment; puts the load back
" after. A variable changed by hand since we set it is the user's and stays.
function! s:with_base(Fn) abort
  let l:back = {}
  for [l:name, l:value] in items(s:applied)
    if s:same(getenv(l:name), l:value)
      let l:back[l:name] = l:value
      call setenv(l:name, s:saved[l:name])
    endif
  endfor
  try
    return a:Fn()
  finally
    for [l:name, l:value] in items(l:back)
      call setenv(l:name, l:value)
    endfor
  endtry
endfunction

" The directory whose app a buffer belongs to: its file's (the nearest that
" exists, for a new file), or the working directory for a buffer that is no
" file (`scp://…`) and for an unnamed one when a:cwd. v:null for special
" buffers (help, quickfix, terminal) and unnamed ones entered: they keep
" what is loaded, so that :terminal runs in the app it was opened from.
function! s:dir_for(buf, cwd) abort
  if getbufvar(a:buf, '&buftype') !=# ''
    return v:null
  endif
  let l:name = bufname(a:buf)
  if l:name ==# ''
    return a:cwd ? getcwd() : v:null
  endif
  if l:name =~# '^\a[[:alnum:]+.-]*://'
    return getcwd()
  endif
  let l:dir = fnamemodify(l:name, ':p:h')
  while l:dir !=# '/' && !isdirectory(l:dir)
    let l:dir = fnamemodify(l:dir, ':h')
  endwhile
  return l:dir
endfunction

" Vim knows file times to the second only, and no inode or change time: a
" file is also compared by what it holds (up to 1 MiB, more than appenv
" reads of one), and a directory by its names that `.env.*` matches, so
" that a rewrite whose time is put back (`touch -d`, `cp -p`, `mv`, a new
" .env.local in a directory whose time `touch -r` restores) is seen too.
function! s:stamp(path) abort
  let l:held = ''
  if isdirectory(a:path)
    let l:held = readdir(a:path, {name -> name =~# '^\.env\.'})
  elseif filereadable(a:path) && getfsize(a:path) <= 1048576
    let l:held = readfile(a:path, 'B')
  endif
  " As text: a Blob compares with a Blob only.
  return string([getftime(a:path), getfsize(a:path), getftype(a:path), l:held])
endfunction

function! s:stamps(status) abort
  let l:out = {}
  for l:path in get(a:status, 'watch', [])
    let l:out[l:path] = s:stamp(l:path)
  endfor
  return l:out
endfunction

function! s:unchanged(entry) abort
  for [l:path, l:stamp] in items(a:entry.stamps)
    if s:stamp(l:path) !=# l:stamp
      return 0
    endif
  endfor
  return 1
endfunction

" What to tell the user about a status: its message, else the problems of
" an app that loaded anyway (a value that is not UTF-8), else ''.
function! s:message_of(status) abort
  let l:msg = get(a:status, 'message', v:null)
  if type(l:msg) == v:t_string
    return l:msg
  endif
  let l:parts = []
  for l:e in get(a:status, 'errors', [])
    let l:where = type(l:e.file) == v:t_string ? l:e.file : ''
    if type(l:e.line) == v:t_number
      let l:where .= ':' . l:e.line
    endif
    call add(l:parts, (l:where ==# '' ? '' : l:where . ': ') . l:e.message)
  endfor
  return join(l:parts, '; ')
endfunction

" Says what is wrong with the app once: again only when it changes.
function! s:tell(status) abort
  let l:root = get(a:status, 'root', v:null)
  let l:key = type(l:root) == v:t_string ? l:root : ''
  let l:msg = s:message_of(a:status)
  if s:same(get(s:said, l:key, ''), l:msg)
    return
  endif
  let s:said[l:key] = l:msg
  if l:msg !=# ''
    call s:say(l:msg, get(a:status, 'trust', '') ==# 'error' ? 'error' : 'warning')
  endif
endfunction

" Makes Vim's environment hold exactly the app's variables over the
" original ones, with a hook load that Vim inherited from its shell taken
" out first (`revert`), whatever the app: no buffer keeps another app's.
function! s:apply(status) abort
  let l:want = {}
  let l:revert = get(a:status, 'revert', {})
  for [l:name, l:value] in items(get(l:revert, 'vars', {}))
    let l:want[l:name] = l:value
  endfor
  for l:name in get(l:revert, 'unset', [])
    let l:want[l:name] = v:null
  endfor
  if get(a:status, 'trust', '') ==# 'allowed'
    for [l:name, l:value] in items(get(a:status, 'vars', {}))
      let l:want[l:name] = l:value
    endfor
    for l:name in get(a:status, 'unset', [])
      let l:want[l:name] = v:null
    endfor
  endif
  for [l:name, l:mine] in items(s:applied)
    if !has_key(l:want, l:name)
      if s:same(getenv(l:name), l:mine)
        call setenv(l:name, s:saved[l:name])
      endif
      call remove(s:applied, l:name)
      call remove(s:saved, l:name)
    endif
  endfor
  for [l:name, l:value] in items(l:want)
    if !has_key(s:applied, l:name)
      let s:saved[l:name] = getenv(l:name)
    endif
    if !s:same(getenv(l:name), l:value)
      call setenv(l:name, l:value)
    endif
    let s:applied[l:name] = l:value
  endfor
endfunction

function! s:use(dir, status) abort
  let s:current = a:status
  call s:apply(a:status)
  call s:tell(a:status)
  call s:watch_timer()
  if exists('#User#AppenvLoaded')
    doautocmd <nomodeline> User AppenvLoaded
  endif
endfunction

function! s:failed(why) abort
  let l:key = 'run:' . a:why
  if !has_key(s:said, l:key)
    let s:said[l:key] = a:why
    call s:say('appenv status failed: ' . a:why, 'error')
  endif
endfunction

function! s:done(dir, out, err) abort
  if has_key(s:pending, a:dir)
    call remove(s:pending, a:dir)
  endif
  if has_key(s:stale, a:dir)
    call remove(s:stale, a:dir)
    call s:start(a:dir)
    return
  endif
  try
    let l:status = json_decode(join(a:out, "\n"))
  catch
    let l:status = v:null
  endtry
  if type(l:status) != v:t_dict || get(l:status, 'version', 0) != 1
    call s:failed(empty(a:err) ? 'no answer' : join(a:err, ' '))
    return
  endif
  let s:cache[a:dir] = {'status': l:status, 'stamps': s:stamps(l:status)}
  if a:dir ==# s:want
    call s:use(a:dir, l:status)
  endif
endfunction

" Asks appenv about a:dir in the background; the answer is applied if the
" current buffer still follows a:dir by then.
function! s:start(dir) abort
  if has_key(s:pending, a:dir)
    return
  endif
  let l:exe = s:option('executable', 'appenv')
  if !executable(l:exe)
    call s:failed(l:exe . ' not found on PATH')
    return
  endif
  let l:out = []
  let l:err = []
  let l:dir = a:dir
  let l:opts = {
        \ 'in_io': 'null',
        \ 'out_cb': {ch, msg -> add(l:out, msg)},
        \ 'err_cb': {ch, msg -> add(l:err, msg)},
        \ 'close_cb': {ch -> s:closed(ch, l:dir, l:out, l:err)},
        \ }
  let l:cmd = [l:exe, '-C', a:dir, 'status', '--json']
  let l:job = s:with_base({-> job_start(l:cmd, l:opts)})
  if job_status(l:job) ==# 'fail'
    call s:failed('cannot start ' . l:exe)
    return
  endif
  let s:pending[a:dir] = l:job
endfunction

" The channel is closed: what is still buffered is read first.
function! s:closed(ch, dir, out, err) abort
  while ch_status(a:ch, {'part': 'out'}) ==# 'buffered'
    call add(a:out, ch_read(a:ch))
  endwhile
  call s:done(a:dir, a:out, a:err)
endfunction

" Follows the app of the current buffer: at once from the cache while
" nothing it watches changed, else when appenv answers.
function! appenv#update(force, cwd) abort
  let l:dir = s:dir_for(bufnr('%'), a:cwd)
  if type(l:dir) != v:t_string
    return
  endif
  let s:want = l:dir
  let l:entry = get(s:cache, l:dir, v:null)
  if !a:force && type(l:entry) == v:t_dict && s:unchanged(l:entry)
    if !s:same(s:current, l:entry.status)
      call s:use(l:dir, l:entry.status)
    endif
    return
  endif
  call s:start(l:dir)
endfunction

" Asks appenv again for the current buffer, whatever the cache says.
function! appenv#reload() abort
  let s:cache = {}
  call appenv#update(1, 1)
endfunction

" Whether a request is still on its way (for scripts and tests).
function! appenv#busy() abort
  return !empty(s:pending)
endfunction

" The status applied last (v:null before the first), fields as in docs/json.md.
function! appenv#current() abort
  return s:current
endfunction

function! s:watch_timer() abort
  let l:ms = s:option('poll_ms', 1000)
  if l:ms > 0 && s:timer < 0
    let s:timer = timer_start(l:ms, {-> s:poll()}, {'repeat': -1})
  endif
endfunction

function! s:poll() abort
  let l:entry = get(s:cache, s:want, v:null)
  if type(l:entry) == v:t_dict && !s:unchanged(l:entry)
    call appenv#reload()
  endif
endfunction

" A write of a file the current answer watches (`.env`) asks again.
function! appenv#written(path) abort
  if has_key(s:pending, s:want)
    let s:stale[s:want] = 1
    return
  endif
  let l:entry = get(s:cache, s:want, v:null)
  if type(l:entry) == v:t_dict && has_key(l:entry.stamps, fnamemodify(a:path, ':p'))
    call appenv#reload()
  endif
endfunction

function! s:trust(verb) abort
  let l:dir = s:dir_for(bufnr('%'), 1)
  let l:dir = type(l:dir) == v:t_string ? l:dir : getcwd()
  let l:cmd = join(map([s:option('executable', 'appenv'), a:verb, l:dir], 'shellescape(v:val)'))
  let l:out = s:with_base({-> system(l:cmd . ' 2>&1')})
  if v:shell_error
    call s:say(a:verb . ' failed: ' . trim(l:out), 'error')
    return
  endif
  " allow and deny say what they did.
  echomsg trim(l:out)
  let s:said = {}
  call appenv#reload()
endfunction

function! appenv#allow() abort
  call s:trust('allow')
endfunction

function! appenv#deny() abort
  call s:trust('deny')
endfunction

" For :AppenvStatus: names only, never values.
function! appenv#describe() abort
  let l:s = s:current
  if type(l:s) != v:t_dict
    return 'appenv: no status yet'
  endif
  let l:root = get(l:s, 'root', v:null)
  let l:lines = ['root         ' . (type(l:root) == v:t_string ? l:root : 'none')]
  if type(get(l:s, 'environment', v:null)) == v:t_string
    call add(l:lines, 'environment  ' . l:s.environment)
  endif
  call add(l:lines, 'trust        ' . l:s.trust)
  let l:msg = s:message_of(l:s)
  if l:msg !=# ''
    call add(l:lines, 'message      ' . l:msg)
  endif
  let l:names = sort(keys(get(l:s, 'vars', {})))
  if !empty(l:names)
    call add(l:lines, 'sets         ' . join(l:names))
  endif
  if !empty(get(l:s, 'unset', []))
    call add(l:lines, 'unsets       ' . join(l:s.unset))
  endif
  return join(l:lines, "\n")
endfunction
