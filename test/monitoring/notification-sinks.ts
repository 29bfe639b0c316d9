import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A stand-in for Slack's incoming webhook, on loopback unless `host` names another of this machine's addresses (the
 * real node's bridge, for an Alertmanager in a pod): it keeps every JSON payload Alertmanager posts.
 */
export async function startSlackSink(host = '127.0.0.1'): Promise<{ url: string; messages: unknown[]; close(): Promise<void> }> {
  const messages: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      messages.push(JSON.parse(body));
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/services/T000/B000/XXXX`,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface SlackMessage {
  channel: string;
  attachments: { title: string; text: string }[];
}

/** The Slack payloads titled `[STATUS] Alert ` (the operator's AlertmanagerConfig title). */
export const slackMessagesAbout = (messages: unknown[], status: string, alert: string) =>
  (messages as SlackMessage[]).filter((message) => message.attachments[0]?.title.startsWith(`[${status}] ${alert} `));

/** The mails whose subject is `[STATUS] Alert ...`. */
export const mailsAbout = (mails: ReceivedMail[], status: string, alert: string) =>
  mails.filter((mail) => mail.data.includes(`Subject: [${status}] ${alert} `));

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

/**
 * A real SMTP server (the npm smtp-server package), on loopback unless `host` says otherwise: it accepts mail from a
 * client that logs in with `password`, refuses any other password, and keeps each message.
 */
export async function startSmtpSink(password: string, host = '127.0.0.1'): Promise<{ port: number; mails: ReceivedMail[]; logins: string[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    // A test sink without TLS: Alertmanager (Go's net/smtp) sends a PLAIN login in clear text to loopback only, so
    // elsewhere the sink offers LOGIN, which Alertmanager implements itself.
    allowInsecureAuth: true,
    authMethods: host === '127.0.0.1' ? ['PLAIN', 'LOGIN'] : ['LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.password !== password) return callback(new Error('invalid password'));
      logins.push(auth.username ?? '');
      return callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({ from, to: session.envelope.rcptTo.map((rcpt) => rcpt.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, logins, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
