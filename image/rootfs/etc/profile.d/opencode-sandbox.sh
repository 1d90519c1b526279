# Tool locations for login shells (the image's ENV sets the same for processes started by Docker).
export PATH="$HOME/.local/bin:$HOME/.npm-global/bin:$HOME/go/bin:/usr/local/cargo/bin:/usr/local/go/bin:/opt/node/bin:$PATH"
export NPM_CONFIG_PREFIX="$HOME/.npm-global"
