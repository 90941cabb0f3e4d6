" appenv: follow each buffer's app (see :help appenv). Vim 8.2 and later.
" Let g:loaded_appenv = 1 before this runs to keep it off.
if exists('g:loaded_appenv') || v:version < 802 || !exists('*job_start')
  finish
endif
let g:loaded_appenv = 1

augroup appenv
  autocmd!
  " BufReadPre and BufNewFile come before FileType: an answer already known
  " is in place by then.
  autocmd BufReadPre,BufNewFile,BufEnter * call appenv#update(0, 0)
  autocmd VimEnter,DirChanged * call appenv#update(0, 1)
  autocmd BufWritePost * call appenv#written(expand('<afile>'))
augroup END

command! -bar AppenvAllow call appenv#allow()
command! -bar AppenvDeny call appenv#deny()
command! -bar AppenvReload call appenv#reload()
command! -bar AppenvStatus echo appenv#describe()
