// The environment variables that override the config file (read in env.ts), listed for the JSON schema's
// description and the docs.

export const environmentOverrides = [
  { name: 'AUTOSCALER_CONFIG', description: 'Path of the config file (YAML or JSON) when none is passed.' },
  { name: 'AUTOSCALER_DRY_RUN', description: 'true/false (also 1/0, yes/no, on/off): overrides dryRun.' },
  { name: 'AUTOSCALER_KILL_SWITCH', description: 'true/false: overrides killSwitch.enabled.' },
  {
    name: 'AUTOSCALER_ENDPOINT',
    description:
      "Overrides every connection's endpoint, and a token connection's iamEndpoint (the emulator serves both).",
  },
  {
    name: 'AUTOSCALER_STATE_TABLE',
    description: 'Keeps state in this DynamoDB table (state.type dynamodb; region and endpoint kept if set).',
  },
  {
    name: 'AUTOSCALER_STATE_FILE',
    description:
      'Keeps state in this JSON file (state.type file); the container image sets it to its volume.',
  },
] as const;
