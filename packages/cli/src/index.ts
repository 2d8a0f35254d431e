export { COMMANDS, runCli } from './cli.js';
export {
  type CommandEntry,
  type CommandIo,
  type CommandModule,
  EXIT_USAGE,
  processIo,
} from './command.js';
export {
  buildDoctorReport,
  type DoctorAgent,
  type DoctorReport,
  type DoctorReportOptions,
  EXIT_AGENT_UNREACHABLE,
  formatDoctorReport,
} from './commands/doctor.js';
export { checkLocalEndpoint, type LocalEndpointCheck } from './local-endpoint-check.js';
