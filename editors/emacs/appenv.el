;;; appenv.el --- Each buffer in its app's environment, from appenv  -*- lexical-binding: t; -*-

;; Keywords: processes, tools
;; Package-Requires: ((emacs "27.1"))
;; Version: 0.1

;;; Commentary:

;; appenv runs programs in the environment of the app they belong to: its
;; `.env' files, `appenv.toml' and dependency isolation (a virtualenv's
;; `bin', `node_modules/.bin').  This package gives each buffer of an app
;; that environment: a buffer-local `process-environment' and `exec-path',
;; so every process started from the buffer (`compile', `shell-command',
;; `async-shell-command', `run-python' and other comint REPLs, `M-x shell',
;; eglot and lsp-mode servers) runs in it.  Buffers outside any app keep
;; Emacs's own environment.
;;
;; Enable it everywhere, late in your init file:
;;
;;     (require 'appenv)
;;     (appenv-global-mode 1)
;;
;; The answer comes from `appenv status --json' (see docs/json.md in
;; appenv), always asked with Emacs's global environment, so that what one
;; app sets never leaks into another.  It is run with `process-file' in the
;; buffer's directory; remote (TRAMP) buffers are left alone.  An app you have not allowed loads
;; nothing and says so once; `appenv-allow' allows it.

;;; Code:

(require 'cl-lib)
(require 'json)
(require 'subr-x)

(defgroup appenv nil
  "Per-buffer app environments from appenv."
  :group 'processes
  :prefix "appenv-")

(defcustom appenv-executable "appenv"
  "The appenv program."
  :type 'string)

(defcustom appenv-poll-interval 2
  "Seconds between checks of the watched files for changes on disk.
nil: never check, only on save and on `appenv-reload'."
  :type '(choice (const :tag "Never" nil) number))

(defcustom appenv-inherit-functions
  '(shell-command shell-command-to-string process-lines compilation-start
    make-comint-in-buffer python-shell-prompt-detect org-babel-eval
    vc-do-command)
  "Functions that start processes from another buffer than the caller's.
Each gets the calling buffer's environment (they run their process in a
temporary or output buffer, which would otherwise have Emacs's global
one).  Set this before loading appenv."
  :type '(repeat symbol))

(defcustom appenv-lighter '(:eval (appenv--lighter))
  "The mode line lighter of `appenv-mode'."
  :type 'sexp
  :risky t)

(defface appenv-on-face '((t :inherit success))
  "Mode line face when the app environment is loaded.")

(defface appenv-not-allowed-face '((t :inherit warning))
  "Mode line face when the app is not allowed.")

(defface appenv-error-face '((t :inherit error))
  "Mode line face when the app cannot be loaded.")

;;; State

(defvar appenv-mode) ; defined below, read by the functions before it
(defvar appenv-global-mode)

(defvar appenv--cache (make-hash-table :test #'equal)
  "Directory -> (STATUS . STAMPS): a status is good while nothing it
watches changes.")

(defvar appenv--said (make-hash-table :test #'equal)
  "Root -> what was last said about it, and failures to run appenv -> t, so
that each message reaches the user once.")

(defvar appenv--timer nil)

(defvar appenv--global nil
  "Emacs's own (PROCESS-ENVIRONMENT EXEC-PATH) while `appenv--inherit' lends
a buffer's to the default values, nil otherwise.")

(defun appenv--global-env ()
  "Emacs's own `process-environment', whatever is lent."
  (if appenv--global (car appenv--global) (default-value 'process-environment)))

(defun appenv--global-path ()
  "Emacs's own `exec-path', whatever is lent."
  (if appenv--global (cadr appenv--global) (default-value 'exec-path)))

(defvar-local appenv--dir nil
  "The directory whose app this buffer follows.")

(defvar-local appenv--status nil
  "The status applied to this buffer, an alist as in docs/json.md.")

;;; Running appenv

(defun appenv--call (dir &rest args)
  "Run appenv with ARGS in directory DIR, in Emacs's global environment.
Return (EXIT-STATUS STDOUT STDERR).  Through `process-file' with
`default-directory' set to DIR, as envrc.el does: the file name handler of
DIR, if it has one, is the one that runs it.  DIR is always local here:
`appenv-mode' stays off in remote (TRAMP) buffers, see docs/editors.md."
  (let ((default-directory (file-name-as-directory dir))
        (process-environment (appenv--global-env))
        (exec-path (appenv--global-path))
        (stderr (make-temp-file "appenv")))
    (unwind-protect
        (with-temp-buffer
          (let ((status (condition-case err
                            (apply #'process-file appenv-executable nil
                                   (list t stderr) nil args)
                          (file-missing (error-message-string err)))))
            (list status (buffer-string)
                  (with-temp-buffer
                    (insert-file-contents stderr)
                    (string-trim (buffer-string))))))
      (delete-file stderr))))

(defun appenv--parse (text)
  "The status in TEXT, or nil."
  (condition-case nil
      (with-temp-buffer
        (insert text)
        (goto-char (point-min))
        (if (fboundp 'json-parse-buffer)
            (json-parse-buffer :object-type 'alist :array-type 'list
                               :null-object nil :false-object nil)
          (let ((json-object-type 'alist) (json-array-type 'list)
                (json-key-type 'symbol) (json-null nil))
            (json-read))))
    (error nil)))

(defun appenv--get (key status)
  "The field KEY (a symbol) of STATUS."
  (alist-get key status))

(defun appenv--stamp (path)
  "What changes when PATH is written, created or removed.
The change time too: a rewrite whose modification time is put back
\(`touch -d', `cp -p', a new file in a directory whose time `touch -r'
restores) still moves it, and nothing sets it back."
  (let ((attrs (file-attributes path)))
    (and attrs (list (file-attribute-modification-time attrs)
                     (file-attribute-status-change-time attrs)
                     (file-attribute-size attrs)
                     (file-attribute-inode-number attrs)
                     (file-attribute-device-number attrs)))))

(defun appenv--stamps (status)
  "PATH -> stamp for every path STATUS watches."
  (mapcar (lambda (path) (cons path (appenv--stamp path)))
          (appenv--get 'watch status)))

(defun appenv--fresh-p (entry)
  "Whether nothing that cache ENTRY watches changed."
  (cl-every (lambda (pair) (equal (appenv--stamp (car pair)) (cdr pair)))
            (cdr entry)))

(defun appenv--status (dir &optional force)
  "The status of the app around DIR, from the cache unless FORCE or stale."
  (let ((entry (gethash dir appenv--cache)))
    (if (and entry (not force) (appenv--fresh-p entry))
        (car entry)
      (pcase-let* ((`(,code ,out ,err)
                    (appenv--call dir "-C" dir "status" "--json"))
                   (status (and (eq code 0) (appenv--parse out))))
        (if (and status (eql (appenv--get 'version status) 1))
            (progn (puthash dir (cons status (appenv--stamps status)) appenv--cache)
                   status)
          (appenv--say (format "appenv status failed: %s"
                               (if (string-empty-p err) code err)))
          nil)))))

(defun appenv--say (msg)
  "Show MSG once."
  (unless (gethash msg appenv--said)
    (puthash msg t appenv--said)
    (message "appenv: %s" msg)))

(defun appenv--message-of (status)
  "What to tell the user about STATUS: its message, else the problems of an
app that loaded anyway (a value that is not UTF-8), else nil."
  (or (appenv--get 'message status)
      (when-let ((errors (appenv--get 'errors status)))
        (mapconcat (lambda (e)
                     (let ((file (appenv--get 'file e)) (line (appenv--get 'line e)))
                       (concat (cond ((and file line) (format "%s:%s: " file line))
                                     (file (format "%s: " file)))
                               (appenv--get 'message e))))
                   errors "; "))))

(defun appenv--tell (status)
  "Say what is wrong with the app of STATUS, again only when that changes."
  (let ((key (cons 'root (appenv--get 'root status)))
        (msg (appenv--message-of status)))
    (unless (equal msg (gethash key appenv--said))
      (puthash key msg appenv--said)
      (when msg (message "appenv: %s" msg)))))

;;; Applying a status to a buffer

(defun appenv--buffer-dir ()
  "The directory whose app the current buffer belongs to, or nil."
  (let ((dir (if buffer-file-name
                 (file-name-directory (expand-file-name buffer-file-name))
               (and default-directory (expand-file-name default-directory)))))
    (when (and dir (not (file-remote-p dir)))
      ;; A new file's directory may not exist yet: the nearest that does.
      (while (and (not (file-directory-p dir))
                  (not (equal dir (file-name-directory (directory-file-name dir)))))
        (setq dir (file-name-directory (directory-file-name dir))))
      (directory-file-name dir))))

(defun appenv--clear ()
  "Give the current buffer Emacs's global environment back."
  (kill-local-variable 'process-environment)
  (kill-local-variable 'exec-path))

(defun appenv--entries (vars unset)
  "`process-environment' entries setting VARS (an alist) and unsetting UNSET.
A bare NAME in `process-environment' unsets it."
  (append (mapcar (lambda (pair) (format "%s=%s" (car pair) (cdr pair))) vars)
          (mapcar (lambda (name) (format "%s" name)) unset)))

(defun appenv--apply (status)
  "Give the current buffer the environment STATUS describes.
A hook load that Emacs inherited from its shell (`revert') is taken out
first, whatever the app, so that no buffer keeps another app's values."
  (setq appenv--status status)
  (appenv--clear)
  (let* ((revert (appenv--get 'revert status))
         (entries (appenv--entries (alist-get 'vars revert)
                                   (alist-get 'unset revert))))
    (when (equal (appenv--get 'trust status) "allowed")
      ;; Earlier entries win: the app's over the revert's.
      (setq entries (append (appenv--entries (appenv--get 'vars status)
                                             (appenv--get 'unset status))
                            entries)))
    (when entries
      (setq-local process-environment (append entries (appenv--global-env)))
      (setq-local exec-path
                  (append (parse-colon-path (getenv "PATH"))
                          (list exec-directory)))))
  (force-mode-line-update)
  (appenv--tell status))

(defun appenv--update (&optional force)
  "Follow the app of the current buffer, asking appenv again if FORCE."
  (let ((dir (appenv--buffer-dir)))
    (setq appenv--dir dir)
    (if-let ((status (and dir (appenv--status dir force))))
        (appenv--apply status)
      (setq appenv--status nil)
      (appenv--clear))))

(defun appenv--buffers ()
  "Live buffers with `appenv-mode' on."
  (cl-remove-if-not (lambda (buf) (buffer-local-value 'appenv-mode buf))
                    (buffer-list)))

(defun appenv--refresh (dirs)
  "Ask appenv again for DIRS and update every buffer that follows one."
  (dolist (dir dirs)
    (remhash dir appenv--cache))
  (dolist (buf (appenv--buffers))
    (with-current-buffer buf
      (when (member appenv--dir dirs)
        (appenv--update)))))

(defun appenv--stale-dirs (&optional path)
  "Cached directories whose watched paths changed, or that watch PATH."
  (let (dirs)
    (maphash (lambda (dir entry)
               (when (if path
                         (assoc path (cdr entry))
                       (not (appenv--fresh-p entry)))
                 (push dir dirs)))
             appenv--cache)
    dirs))

(defun appenv--after-save ()
  "Reload the apps that watch the file just saved."
  (when-let* ((file buffer-file-name)
              (dirs (appenv--stale-dirs (expand-file-name file))))
    (appenv--refresh dirs)))

(defun appenv--poll ()
  "Reload the apps whose watched files changed on disk."
  (when-let ((dirs (appenv--stale-dirs)))
    (appenv--refresh dirs)))

(defun appenv-state ()
  "The state of the current buffer's app: \"on\", \"not allowed\",
\"error\", or nil outside any app."
  (pcase (and appenv--status (appenv--get 'root appenv--status)
              (appenv--get 'trust appenv--status))
    ('nil nil)
    ("allowed" "on")
    ("error" "error")
    (_ "not allowed")))

(defun appenv--lighter ()
  "The mode line state of the current buffer."
  (if-let ((state (appenv-state)))
      `(" appenv[" (:propertize ,state face ,(pcase state
                                              ("on" 'appenv-on-face)
                                              ("error" 'appenv-error-face)
                                              (_ 'appenv-not-allowed-face)))
        "]")
    ""))

;;; Processes started in another buffer

(defun appenv--inherit (orig &rest args)
  "Call ORIG with ARGS so that other buffers see this buffer's environment."
  (if appenv-mode
      ;; A buffer that turns `appenv-mode' on meanwhile (the output buffer)
      ;; must still ask appenv with, and apply over, Emacs's own environment.
      (let ((appenv--global (or appenv--global
                                (list (default-value 'process-environment)
                                      (default-value 'exec-path)))))
        (cl-letf (((default-value 'process-environment) process-environment)
                  ((default-value 'exec-path) exec-path))
          (apply orig args)))
    (apply orig args)))

;;; Modes and commands

;;;###autoload
(define-minor-mode appenv-mode
  "Give this buffer the environment of its app, as appenv resolves it.
Processes started from the buffer get the app's variables and find its
programs (a virtualenv's python) first; a buffer outside any app, or in
one that is not allowed, keeps Emacs's environment."
  :lighter appenv-lighter
  (if appenv-mode
      (progn
        (add-hook 'eshell-directory-change-hook #'appenv--follow-directory nil t)
        (add-hook 'post-command-hook #'appenv--follow-directory nil t)
        (appenv--update))
    (remove-hook 'eshell-directory-change-hook #'appenv--follow-directory t)
    (remove-hook 'post-command-hook #'appenv--follow-directory t)
    (setq appenv--status nil appenv--dir nil)
    (appenv--clear)))

(defun appenv--follow-directory ()
  "Follow the buffer's new directory when it has changed.
Eshell's `cd' (at once, through `eshell-directory-change-hook'), a shell
buffer's tracked `cd', `dired-jump'…: a buffer without a file follows its
`default-directory'."
  (when (and appenv-mode
             (not buffer-file-name)
             (not (equal (appenv--buffer-dir) appenv--dir)))
    (appenv--update)))

(defun appenv--turn-on ()
  "Turn `appenv-mode' on where a process could be started from."
  (unless (or (minibufferp)
              (string-prefix-p " " (buffer-name))
              (and default-directory (file-remote-p default-directory))
              (not (let ((exec-path (appenv--global-path)))
                     (executable-find appenv-executable))))
    (appenv-mode 1)))

(defun appenv--turn-on-early ()
  "Turn `appenv-mode' on before the major mode's hooks run.
A hook that starts a language server at once (lsp-mode's `lsp' in
`python-mode-hook') would otherwise start it before the global mode turns
the buffer's environment on, since that happens after the mode hooks."
  (when appenv-global-mode
    (appenv--turn-on)))

;;;###autoload
(define-globalized-minor-mode appenv-global-mode appenv-mode appenv--turn-on
  (if appenv-global-mode
      (progn
        (add-hook 'change-major-mode-after-body-hook #'appenv--turn-on-early)
        (add-hook 'after-save-hook #'appenv--after-save)
        (when (and appenv-poll-interval (not appenv--timer))
          (setq appenv--timer
                (run-with-timer appenv-poll-interval appenv-poll-interval
                                #'appenv--poll))))
    (remove-hook 'change-major-mode-after-body-hook #'appenv--turn-on-early)
    (remove-hook 'after-save-hook #'appenv--after-save)
    (when appenv--timer
      (cancel-timer appenv--timer)
      (setq appenv--timer nil))))

(defun appenv--trust-command (verb)
  "Run appenv VERB for the current buffer's app, then reload it."
  (let ((dir (or (appenv--buffer-dir) (user-error "No directory"))))
    (pcase-let ((`(,code ,_out ,err) (appenv--call dir verb dir)))
      (unless (eq code 0)
        (user-error "appenv %s failed: %s" verb err))
      (message "%s" err)
      (appenv--refresh (hash-table-keys appenv--cache))
      (unless appenv-mode (appenv--update t)))))

(defun appenv-allow ()
  "Allow the current buffer's app, after reading its files."
  (interactive)
  (appenv--trust-command "allow"))

(defun appenv-deny ()
  "Stop trusting the current buffer's app."
  (interactive)
  (appenv--trust-command "deny"))

(defun appenv-reload ()
  "Ask appenv again for every buffer."
  (interactive)
  (appenv--refresh (hash-table-keys appenv--cache))
  (when (and appenv-mode (not (gethash appenv--dir appenv--cache)))
    (appenv--update t)))

(defun appenv-status ()
  "Say what appenv applied to this buffer: names, never values."
  (interactive)
  (let ((s appenv--status))
    (message "%s"
             (if (not s)
                 "appenv: nothing applied here"
               (string-join
                (delq nil
                      (list (format "root %s" (or (appenv--get 'root s) "none"))
                            (format "trust %s" (appenv--get 'trust s))
                            (when-let ((m (appenv--get 'message s))) m)
                            (when-let ((vars (appenv--get 'vars s)))
                              (format "sets %s" (mapconcat (lambda (p) (symbol-name (car p)))
                                                           vars " ")))
                            (when-let ((unset (appenv--get 'unset s)))
                              (format "unsets %s" (string-join unset " ")))))
                "; ")))))

(dolist (fn appenv-inherit-functions)
  (advice-add fn :around #'appenv--inherit))

(defun appenv-unload-function ()
  "Remove the advice of this package."
  (dolist (fn appenv-inherit-functions)
    (advice-remove fn #'appenv--inherit))
  (appenv-global-mode -1)
  nil)

(provide 'appenv)
;;; appenv.el ends here
