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
    ])('%s %s gives one line naming the flag, the value and the range', (flag, value, line) => {
      expect(parseCommandLine([flag, value])).toEqual({ kind: 'invalid', problems: [line] });
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
