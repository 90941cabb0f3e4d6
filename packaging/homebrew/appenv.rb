# Homebrew formula for appenv, built from source.
#
# It is not run by the project's CI: brew needs its own repositories (a tap,
# the homebrew-core checkout) and network access to them, which CI does not
# have. CI checks its Ruby syntax (`ruby -c`). To try it by hand on a machine
# with Homebrew, put it in a tap of your own and install the head of main:
#   brew tap-new appenv/local
#   cp packaging/homebrew/appenv.rb "$(brew --repository appenv/local)/Formula/"
#   brew install --HEAD appenv/local/appenv && brew test appenv/local/appenv
#
# No release is published yet, so the formula has only `head`. A release adds
#   url "https://static.crates.io/crates/appenv/appenv-VERSION.crate"
#   sha256 "…" (sha256sum target/package/appenv-VERSION.crate after cargo package)
# (the crate carries the man pages, completions and plugins installed below).
class Appenv < Formula
  desc "Run admin processes in exactly the environment of the app they belong to"
  homepage "https://github.com/appenv/appenv"
  license "MIT"
  head "https://github.com/appenv/appenv.git", branch: "main"

  depends_on "rust" => :build

  def install
    # The crate carries .cargo/config.toml, whose rustc wrapper
    # (.cargo/rustc-static) links the binary statically on Linux with glibc;
    # cargo reads it because it builds in the unpacked source. On macOS the
    # wrapper changes nothing: binaries there link libSystem dynamically.
    system "cargo", "install", *std_cargo_args

    man1.install Dir["man/*.1"]
    bash_completion.install "completions/appenv.bash" => "appenv"
    zsh_completion.install "completions/_appenv"
    fish_completion.install "completions/appenv.fish"

    # Neovim and Vim load a pack/*/start package from share/…/site and
    # share/vim/vimfiles once that directory is on their packpath
    # (Neovim: $XDG_DATA_DIRS includes HOMEBREW_PREFIX/share).
    (share/"nvim/site/pack/appenv/start/appenv").install Dir["editors/nvim/*"]
    (share/"vim/vimfiles/pack/appenv/start/appenv").install Dir["editors/vim/*"]
    elisp.install "editors/emacs/appenv.el"
    doc.install "README.md", Dir["docs/*.md"]
  end

  def caveats
    <<~EOS
      The shell hook is one line in your shell's rc file: `appenv help hook`.
      Vim finds the plugin once you add to your vimrc:
        set packpath+=#{HOMEBREW_PREFIX}/share/vim/vimfiles
    EOS
  end

  test do
    assert_match(/^appenv \d+\.\d+\.\d+$/, shell_output("#{bin}/appenv --version"))

    app = testpath/"app"
    app.mkpath
    (app/".env").write "GREETING=hello from the app\n"
    cd app do
      # An app runs nothing until it is allowed.
      shell_output("#{bin}/appenv printenv GREETING", 125)
      system bin/"appenv", "allow"
      assert_equal "hello from the app", shell_output("#{bin}/appenv printenv GREETING").chomp
    end
  end
end
