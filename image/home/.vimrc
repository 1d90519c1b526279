" Sensible vim defaults for the sandbox.
set nocompatible
syntax on
filetype plugin indent on
set number relativenumber
set expandtab shiftwidth=2 tabstop=2 smartindent
set ignorecase smartcase incsearch hlsearch
set hidden backspace=indent,eol,start
set undofile undodir=~/.local/state/vim/undo
