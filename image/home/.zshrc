# Sensible defaults for the sandbox shell. Each integration is used only when its tool is present, so this file
# works in both the full and the runtime image. Put your own additions in ~/.config/zsh/zshrc (kept in the config
# volume across image upgrades; ~/.zshrc itself comes with the image).
export EDITOR=${EDITOR:-nvim}
command -v nvim >/dev/null 2>&1 || EDITOR=vim
command -v vim >/dev/null 2>&1 || EDITOR=nano
export PAGER=${PAGER:-less}
export LESS=${LESS:--R}

# In the config volume, so the history survives a container replacement.
HISTFILE=${HISTFILE:-$HOME/.config/zsh/history}
HISTSIZE=50000
SAVEHIST=50000
mkdir -p "${HISTFILE:h}" 2>/dev/null
setopt share_history hist_ignore_dups hist_ignore_space extended_history

if [ -r /usr/local/share/oh-my-zsh/oh-my-zsh.sh ]; then
  export ZSH=/usr/local/share/oh-my-zsh
  export ZSH_CACHE_DIR=$HOME/.cache/oh-my-zsh
  mkdir -p "$ZSH_CACHE_DIR/completions" 2>/dev/null
  DISABLE_AUTO_UPDATE=true
  ZSH_THEME=""
  plugins=(git docker kubectl rust golang npm fzf direnv)
  source "$ZSH/oh-my-zsh.sh"
else
  autoload -Uz compinit && compinit -d "$HOME/.cache/zcompdump"
fi

command -v direnv >/dev/null 2>&1 && eval "$(direnv hook zsh)"
command -v mise >/dev/null 2>&1 && eval "$(mise activate zsh)"
command -v starship >/dev/null 2>&1 && eval "$(starship init zsh)"

if command -v eza >/dev/null 2>&1; then
  alias ls='eza --group-directories-first' ll='eza -l --git --group-directories-first' la='eza -la --git'
else
  alias ll='ls -l' la='ls -la'
fi
command -v lazygit >/dev/null 2>&1 && alias lg=lazygit

[ -r "$HOME/.config/zsh/zshrc" ] && source "$HOME/.config/zsh/zshrc"
[ -r "$HOME/.zshrc.local" ] && source "$HOME/.zshrc.local"
