// Reading a container's /proc: capability masks to names, and the fields of /proc/PID/status and /proc/PID/limits.

const CAPABILITY_BITS = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
  "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
  "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
  "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
] as const;

/** A capability mask as /proc prints it (hex) -> sorted names. */
export function capabilityNames(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  return CAPABILITY_BITS.filter((_, bit) => (mask >> BigInt(bit)) & 1n).sort();
}

/** `Key:\tvalue` lines of /proc/PID/status. */
export function statusFields(text: string): Record<string, string> {
  return Object.fromEntries(text.split("\n").filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
}

/** One limit of /proc/PID/limits: [soft, hard]. */
export function limit(text: string, name: string): [string, string] {
  const line = text.split("\n").find((l) => l.startsWith(name));
  if (!line) throw new Error(`no "${name}" in /proc limits`);
  const [soft, hard] = line.slice(name.length).trim().split(/\s+/);
  return [soft!, hard!];
}
