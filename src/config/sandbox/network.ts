// Network: the published port, the address it binds to, and the password a non-loopback address requires.

import { isIP } from "node:net";
import { fullKey, SANDBOX_KEYS, type RawConfig } from "../schema.js";
import { Secret } from "../secret.js";
import { SandboxKeyReader, type Checked } from "./keys.js";

export interface NetworkSettings {
  readonly port: number;
  readonly bindAddress: string;
  readonly loopback: boolean;
  readonly password?: Secret;
}

export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith("127.");
  if (isIP(address) === 6) return address === "::1" || address === "0:0:0:0:0:0:0:1";
  return false;
}

export function readNetwork(raw: Pick<RawConfig, "values" | "secretKeys">): Checked<NetworkSettings> {
  const keys = new SandboxKeyReader(raw.values);

  const portText = keys.str("port");
  let port = Number(SANDBOX_KEYS.port.default);
  if (!/^[0-9]+$/.test(portText)) {
    keys.fail(fullKey("port"), `"${portText}" is not a number`, "an integer from 1 to 65535");
  } else if (Number(portText) < 1 || Number(portText) > 65535) {
    keys.fail(fullKey("port"), `${portText} is out of range`, "an integer from 1 to 65535");
  } else {
    port = Number(portText);
  }

  const bindAddress = keys.str("bindAddress");
  let loopback = true;
  if (isIP(bindAddress) === 0) {
    keys.fail(fullKey("bindAddress"), `"${bindAddress}" is not an IP address`, "an IPv4 or IPv6 address, e.g. 127.0.0.1 or 0.0.0.0");
  } else {
    loopback = isLoopback(bindAddress);
  }

  const passwordKey = fullKey("password");
  const passwordText = keys.str("password");
  let password: Secret | undefined;
  if (passwordText !== "" && !raw.secretKeys.has(passwordKey)) {
    keys.fail(passwordKey, "is set as plain text", `a secret: pulumi config set --secret ${passwordKey} <password>`);
  } else if (passwordText !== "") {
    password = new Secret(passwordText);
  }
  if (!loopback && passwordText === "") {
    keys.fail(
      passwordKey,
      `is required because ${fullKey("bindAddress")} ${bindAddress} is not a loopback address`,
      `a secret set with pulumi config set --secret ${passwordKey} <password>, or a loopback ${fullKey("bindAddress")} such as 127.0.0.1`,
    );
  }

  return keys.checked({ port, bindAddress, loopback, ...(password ? { password } : {}) });
}
