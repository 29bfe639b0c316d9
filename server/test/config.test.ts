import { parseCommandLine } from '../src/config.js';

const DEFAULTS = {
  host: '0.0.0.0',
  srvPort: 1123,
  maxSize: 1024,
  metricsPort: 8000,
  encoding: 'hex',
  logLevel: 'info',
  shutdownDelaySeconds: 0,
  shutdownTimeoutSeconds: 10,
  faultRate: 0,
  tlsCertFile: undefined,
  tlsKeyFile: undefined,
  apiKeysFile: undefined,
  rateLimit: 0,
  reloadIntervalSeconds: 10,
  maxConnections: 1000,
  writeTimeoutSeconds: 30,
  idleTimeoutSeconds: 10,
  maxQueuedBytes: 33_554_432,
  authFailureLimit: 10,
  trustedProxies: undefined,
};

describe('parseCommandLine', () => {
  it('uses the seed defaults when no flag is given', () => {
    expect(parseCommandLine([])).toEqual({ kind: 'run', config: DEFAULTS });
  });

  it('reads the README example, in both flag spellings', () => {
    const expected = { kind: 'run', config: { ...DEFAULTS, srvPort: 8080, maxSize: 2048 } };
    expect(parseCommandLine(['--srv-port', '8080', '--max-size', '2048'])).toEqual(expected);
    expect(parseCommandLine(['--srv-port=8080', '--max-size=2048'])).toEqual(expected);
  });

  it('reads every flag', () => {
    const argv = ['--host', '::1', '--metrics-port', '9100', '--encoding', 'base64url', '--log-level', 'warn'];
    argv.push('--shutdown-delay', '5', '--shutdown-timeout', '30');
    expect(parseCommandLine(argv)).toEqual({
      kind: 'run',
      config: {
        ...DEFAULTS,
        host: '::1',
        metricsPort: 9100,
        encoding: 'base64url',
        logLevel: 'warn',
        shutdownDelaySeconds: 5,
        shutdownTimeoutSeconds: 30,
      },
    });
  });

  it.each([
    ['0.25', 0.25],
    ['.5', 0.5],
    ['1', 1],
    ['0', 0],
  ])('reads --fault-rate %s', (value, faultRate) => {
    expect(parseCommandLine(['--fault-rate', value])).toEqual({ kind: 'run', config: { ...DEFAULTS, faultRate } });
  });

  it.each([
    [['--help'], 'help'],
    [['-h'], 'help'],
    [['--max-size', '5', '--help'], 'help'],
    [['--version'], 'version'],
  ])('answers %j with %s', (argv, kind) => {
    expect(parseCommandLine(argv).kind).toBe(kind);
  });

  describe('when a flag is bad', () => {
    it.each([
      ['--srv-port', '0', '--srv-port: invalid value "0"; expected an integer in 1..65535'],
      ['--srv-port', '65536', '--srv-port: invalid value "65536"; expected an integer in 1..65535'],
      ['--srv-port', '80.5', '--srv-port: invalid value "80.5"; expected an integer in 1..65535'],
      ['--srv-port', '0x50', '--srv-port: invalid value "0x50"; expected an integer in 1..65535'],
      ['--max-size', '0', '--max-size: invalid value "0"; expected an integer in 1..1048576'],
      ['--max-size', '1048577', '--max-size: invalid value "1048577"; expected an integer in 1..1048576'],
      ['--max-size', '1e3', '--max-size: invalid value "1e3"; expected an integer in 1..1048576'],
      ['--max-size', '-5', '--max-size: invalid value "-5"; expected an integer in 1..1048576'],
      ['--metrics-port', 'abc', '--metrics-port: invalid value "abc"; expected an integer in 1..65535, other than --srv-port'],
      ['--encoding', 'base32', '--encoding: invalid value "base32"; expected hex | base64 | base64url | raw'],
      ['--host', 'not a host', '--host: invalid value "not a host"; expected an IPv4 or IPv6 address or a host name'],
      ['--fault-rate', '1.5', '--fault-rate: invalid value "1.5"; expected a decimal number in 0..1'],
      ['--fault-rate', '-0.1', '--fault-rate: invalid value "-0.1"; expected a decimal number in 0..1'],
      ['--fault-rate', '1e-1', '--fault-rate: invalid value "1e-1"; expected a decimal number in 0..1'],
      ['--shutdown-timeout', '0', '--shutdown-timeout: invalid value "0"; expected an integer in 1..300 (seconds)'],
      ['--host', '999.1.1.1', '--host: invalid value "999.1.1.1"; expected an IPv4 or IPv6 address or a host name'],
      ['--host', 'host.123', '--host: invalid value "host.123"; expected an IPv4 or IPv6 address or a host name'],
      ['--api-keys-file', '', '--api-keys-file: invalid value ""; expected a path to a file of API keys, one per line'],
      ['--api-keys-file', '  ', '--api-keys-file: invalid value "  "; expected a path to a file of API keys, one per line'],
      ['--trusted-proxies', '10.0.0.0/33', '--trusted-proxies: invalid value "10.0.0.0/33"; expected comma-separated IP addresses or CIDR ranges'],
      ['--trusted-proxies', '', '--trusted-proxies: invalid value ""; expected comma-separated IP addresses or CIDR ranges'],
      ['--max-queued-bytes', '1000', '--max-queued-bytes: invalid value "1000"; expected an integer in 1048576..4294967296 (bytes)'],
    ])('%s %s gives one line naming the flag, the value and the range', (flag, value, line) => {
      expect(parseCommandLine([flag, value])).toEqual({ kind: 'invalid', problems: [line] });
    });

    it('refuses empty certificate and key paths instead of serving plain HTTP', () => {
      expect(parseCommandLine(['--tls-cert-file=', '--tls-key-file= '])).toEqual({
        kind: 'invalid',
        problems: [
          '--tls-cert-file: invalid value ""; expected a path to a PEM certificate (chain); with --tls-key-file',
          '--tls-key-file: invalid value " "; expected a path to the PEM private key of --tls-cert-file',
        ],
      });
    });

    it('refuses equal API and metrics ports', () => {
      expect(parseCommandLine(['--srv-port', '8000'])).toEqual({
        kind: 'invalid',
        problems: ['--metrics-port: invalid value "8000"; expected an integer in 1..65535, other than --srv-port'],
      });
    });

    it('refuses an unknown flag, a missing value and a repeated flag, reporting each', () => {
      expect(parseCommandLine(['--port', '1', '--max-size', '2', '--max-size', '3', '--srv-port'])).toEqual({
        kind: 'invalid',
        problems: [
          'unknown argument "--port"; run with --help to see the flags',
          'unknown argument "1"; run with --help to see the flags',
          '--max-size: given more than once',
          '--srv-port: missing value; expected an integer in 1..65535',
        ],
      });
    });
  });
});
