// Shell completion scripts for bash and zsh, generated from the commander tree: command paths
// complete to their subcommands and options.
import type { Command } from 'commander';

/** Every command path ("" for the top) with the words that may follow it. */
function table(program: Command): [string, string[]][] {
  const rows: [string, string[]][] = [];
  const walk = (cmd: Command, path: string, inherited: string[]) => {
    const own = cmd.options.flatMap((o) => [o.long, o.short]).filter((s): s is string => Boolean(s));
    const words = [...cmd.commands.map((c) => c.name()), ...own, ...inherited, '--help'];
    rows.push([path, [...new Set(words)]]);
    for (const c of cmd.commands) walk(c, path ? `${path} ${c.name()}` : c.name(), path ? inherited : own);
  };
  walk(program, '', []);
  return rows;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function wordsFunction(name: string, program: Command): string {
  const cases = table(program)
    .map(([path, words]) => `    ${quote(path)}) echo ${quote(words.join(' '))} ;;`)
    .join('\n');
  return `${name}() {\n  case "$1" in\n${cases}\n    *) return 1 ;;\n  esac\n}`;
}

export function bashCompletion(program: Command): string {
  const bin = program.name();
  return `# ${bin} completion for bash: add to ~/.bashrc
#   source <(${bin} completion bash)
${wordsFunction('_claude_flow_words', program)}
_claude_flow() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmdpath="" next w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    next="\${cmdpath:+$cmdpath }$w"
    if _claude_flow_words "$next" >/dev/null; then cmdpath="$next"; fi
  done
  if [[ "$cur" != -* ]] && [[ "\${COMP_WORDS[COMP_CWORD-1]}" == --*put-file || "\${COMP_WORDS[COMP_CWORD-1]}" == --output ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -W "$(_claude_flow_words "$cmdpath")" -- "$cur"))
}
complete -o default -F _claude_flow ${bin}
`;
}

export function zshCompletion(program: Command): string {
  const bin = program.name();
  return `#compdef ${bin}
# ${bin} completion for zsh: add to ~/.zshrc (after compinit)
#   source <(${bin} completion zsh)
${wordsFunction('_claude_flow_words', program)}
_claude_flow() {
  local cmdpath="" next w i
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ "$w" == -* ]] && continue
    next="\${cmdpath:+$cmdpath }$w"
    if _claude_flow_words "$next" >/dev/null; then cmdpath="$next"; fi
  done
  local -a candidates
  candidates=(\${=$(_claude_flow_words "$cmdpath")})
  compadd -- $candidates || _files
}
compdef _claude_flow ${bin}
`;
}
