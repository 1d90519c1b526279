// What the seed design (shared/seeds/000_28ce5e0268ca7031.txt, "Dockerfile Contents") decided the image holds,
// and what it excluded or deferred. Each decided tool maps to the tool-manifest entry that provides it.

export const SEED_TOOLS: Record<string, readonly string[]> = {
  "Base & Core": ["opencode", "tini", "sudo"],
  "Shell & Terminal": ["zsh", "oh-my-zsh", "starship", "tmux"],
  Editors: ["vim", "neovim", "nano"],
  "Languages & Runtimes": ["node", "python", "rust", "go", "pnpm", "uv", "mise", "typescript"],
  "Developer Tools": [
    "gsd-opencode", "curl", "wget", "htop", "build-essential", "jq", "yq", "git", "ssh", "docker",
    "lazygit", "delta", "difftastic", "direnv", "fzf", "fd", "ripgrep", "bat", "eza", "tree", "glow", "just",
    "httpie", "shellcheck", "shfmt", "procs", "dust", "duf", "btop", "gh", "zip", "unzip", "7z", "xz",
  ],
  "Database Tools": ["sqlite3", "psql", "mysql"],
  "Container/K8s Tools": ["kubectl", "helm", "k9s", "dive"],
  "Security Tools": ["trivy", "gitleaks", "hadolint", "age", "sops", "mkcert"],
  "CI/CD Tools": ["act"],
  "Rust Tooling": ["cargo-nextest", "cargo-audit", "cargo-deny", "sccache", "mold", "cross"],
  "Code Quality": ["prettier", "black", "eslint", "ruff", "biome", "jest", "vitest", "pytest"],
  Other: ["protoc", "grpcurl"],
};

/** "Explicitly Excluded": names (tools, apt packages, npm packages, crates) that must appear nowhere. */
export const EXCLUDED = [
  "claude", "claude-code", "@anthropic-ai/claude-code",
  "aws", "awscli", "aws-cli", "gcloud", "google-cloud-cli", "google-cloud-sdk", "az", "azure-cli", "doctl",
  "zoxide", "grex", "navi", "jless",
  "yarn", "yarnpkg",
];

/** "Deferred Tools (consider later)": also kept out for now. */
export const DEFERRED = [
  "tokei", "hyperfine", "watchexec", "watchexec-cli", "redis-cli", "redis-tools", "lazydocker",
  "ngrok", "cloudflared", "sd", "xsv", "hexyl", "bun", "deno", "zig", "terraform", "stern",
  "cargo-expand", "cargo-bloat", "cargo-machete", "bacon", "ipython", "ipython3", "mypy", "poetry", "python3-poetry",
  "usql", "pgcli", "mycli", "jwt-cli", "pv", "imagemagick", "ffmpeg", "typos", "typos-cli", "asciinema",
  "pre-commit", "@mermaid-js/mermaid-cli", "mermaid-cli", "pandoc", "nodemon", "cargo-watch", "tldr", "tealdeer",
  "rsync", "rclone", "croc", "magic-wormhole",
];

/** Manifest entries that are not seed tools themselves but install one (rustup-init installs the Rust toolchain). */
export const SUPPORTING = ["rustup"];
