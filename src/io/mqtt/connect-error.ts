/**
 * Why a connection attempt to an MQTT broker failed, in words that say what to fix, and whether
 * trying again can help: a broker that is not up yet is worth waiting for, a wrong password or a
 * refused certificate is not.
 */
import { RunnelError } from '../../common/errors.js';

/** MQTT 5 CONNACK reason codes, in words a user understands. */
const CONNACK_REASONS: Readonly<Record<number, string>> = {
  128: 'the broker refused the connection (unspecified error)',
  132: 'the broker does not support MQTT 5, which Runnel needs to acknowledge messages only after storing them',
  133: 'the broker rejected the client id',
  134: 'wrong username or password',
  135: 'not authorised: this user may not connect',
  136: 'the broker is unavailable',
  137: 'the broker is busy',
  138: 'this client is banned',
  140: 'bad authentication method',
  149: 'the connect packet is too large',
  151: 'quota exceeded',
  159: 'connection rate exceeded',
};

/** CONNACK refusals that retrying will not fix. */
const PERMANENT_CONNACK = new Set([132, 133, 134, 135, 138, 140]);

/** Node's codes for a broker certificate this client refused, with what to do about each. */
const SERVER_CERTIFICATE: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "the broker's TLS certificate is self-signed and this client does not trust it: pass that certificate as tls.ca",
  SELF_SIGNED_CERT_IN_CHAIN: "the broker's TLS certificate is signed by a CA this client does not trust: pass that CA's certificate as tls.ca",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the broker's TLS certificate is signed by a CA this client does not trust: pass that CA's certificate as tls.ca",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the broker's TLS certificate is signed by a CA this client does not trust: pass that CA's certificate as tls.ca",
  UNABLE_TO_GET_ISSUER_CERT: "the broker's TLS certificate chain is incomplete: pass the intermediate and root CA certificates as tls.ca",
  CERT_HAS_EXPIRED: "the broker's TLS certificate has expired: renew it on the broker (or check this device's clock)",
  CERT_NOT_YET_VALID: "the broker's TLS certificate is not valid yet: check this device's clock (a board without a real-time clock starts in the past until NTP sets it)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the broker's TLS certificate is not for the host name in the url",
};

/** TLS alerts a broker sends when it refuses this client's certificate (RFC 8446 §6.2). */
const CLIENT_CERTIFICATE_ALERTS: Readonly<Record<number, string>> = {
  42: 'bad certificate',
  43: 'unsupported certificate',
  44: 'certificate revoked',
  45: 'certificate expired',
  46: 'certificate unknown',
  48: 'unknown CA',
  49: 'access denied',
  51: 'decrypt error: its signature does not verify against the CA the broker trusts',
};

/** What the client sent, which decides how a broker's TLS alert reads. */
export interface ConnectContext {
  /** Whether a client certificate was given (`tls.cert`). */
  readonly clientCertificate: boolean;
}

/** A failed connection attempt, described: the reason in words, and whether retrying can help. */
export interface ConnectFailure {
  readonly reason: string;
  readonly permanent: boolean;
}

/** Describes an mqtt.js connect failure (CONNACK refusal, socket error, TLS error). */
export function connectFailure(error: unknown, context: ConnectContext): ConnectFailure {
  const e = error as { code?: unknown; message?: string } | undefined;
  const code = e?.code;
  const message = e?.message ?? String(error);
  if (typeof code === 'number' && CONNACK_REASONS[code] !== undefined) return { reason: CONNACK_REASONS[code], permanent: PERMANENT_CONNACK.has(code) };
  if (typeof code === 'string' && SERVER_CERTIFICATE[code] !== undefined) {
    return { reason: `${SERVER_CERTIFICATE[code]}${code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? altNames(error) : ''}`, permanent: true };
  }
  const alert = /SSL alert number (\d+)/.exec(message);
  if (alert) return { reason: brokerAlert(Number(alert[1]), context), permanent: true };
  if (typeof code === 'string' && /CERT|ERR_TLS|ERR_SSL|ERR_OSSL/.test(code)) {
    return { reason: `the TLS connection failed (${message}): check tls.ca, tls.cert and tls.key`, permanent: true };
  }
  if (/protocol version/i.test(message)) return { reason: CONNACK_REASONS[132]!, permanent: true };
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'nothing is listening there (is the broker running, and is the port right?)', permanent: false };
    case 'ENOTFOUND':
      return { reason: 'the host name does not resolve (yet: at boot the network may not be up; otherwise check the url)', permanent: false };
    case 'EAI_AGAIN':
      return { reason: 'the host name cannot be resolved yet (no DNS answer)', permanent: false };
    default:
      return { reason: message, permanent: false };
  }
}

/** The names a broker's certificate is for, against the host the url named, and the fix. */
function altNames(error: unknown): string {
  const e = error as { host?: string; cert?: { subjectaltname?: string; subject?: { CN?: string } } };
  const names = e.cert?.subjectaltname ?? (e.cert?.subject?.CN === undefined ? 'no names' : `CN=${e.cert.subject.CN}`);
  return ` (the url names ${e.host ?? 'another host'}; the certificate is for ${names}): connect with a name the certificate lists, or give the broker a certificate for this one`;
}

/** A TLS alert the broker sent during the handshake: it refused or wanted this client's certificate. */
function brokerAlert(alert: number, context: ConnectContext): string {
  if (alert === 116 || (alert === 40 && !context.clientCertificate)) {
    return 'the broker requires a client certificate and none was given: pass tls.cert and tls.key (signed by a CA the broker trusts)';
  }
  const refused = CLIENT_CERTIFICATE_ALERTS[alert];
  if (refused !== undefined) {
    return `the broker refused this client's TLS certificate (${refused}): use tls.cert and tls.key signed by a CA the broker trusts (Mosquitto: its cafile)`;
  }
  if (alert === 40) return "the broker refused the TLS handshake (handshake failure): check that it trusts this client's certificate and shares a TLS version with it";
  return `the broker ended the TLS handshake (TLS alert ${alert})`;
}

/** A `CONNECT_FAILED` RunnelError naming the broker and the reason. */
export function connectError(url: string, reason: string, cause?: unknown): RunnelError {
  return new RunnelError('CONNECT_FAILED', `cannot connect to MQTT broker ${url}: ${reason}`, { cause });
}
