// Network: the published port and the address it binds to; off loopback only with plain HTTP acknowledged (a TLS
// reverse proxy in front, README: Off loopback).

import { isIP } from "node:net";
import { fullKey, SANDBOX_KEYS, type RawConfig } from "../schema.js";
import { SandboxKeyReader, type Checked } from "./keys.js";

export interface NetworkSettings {
  readonly port: number;
  readonly bindAddress: string;
  readonly loopback: boolean;
}

export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith("127.");
  if (isIP(address) === 6) return address === "::1" || address === "0:0:0:0:0:0:0:1";
  return false;
}

export function readNetwork(raw: Pick<RawConfig, "values">): Checked<NetworkSettings> {
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

  const plainHttp = keys.bool("allowPlainHttp");
  if (!loopback && !plainHttp) {
    keys.fail(
      fullKey("bindAddress"),
      `${bindAddress} is not a loopback address, and opencode speaks plain HTTP`,
      `a loopback address such as 127.0.0.1 (reach a remote host through the SSH tunnel output), or ${fullKey("allowPlainHttp")}: true with a TLS reverse proxy in front (README: Off loopback)`,
    );
  }

  return keys.checked({ port, bindAddress, loopback });
}
