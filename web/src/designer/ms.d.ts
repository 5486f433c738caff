// `ms` ships its types, but its package.json exports map names none, so the dashboard's bundler
// resolution cannot find them; this declares the part that workflows/contract/duration.ts uses (the
// designer imports the contract's schemas, which parse durations with it).
declare module 'ms' {
  export type StringValue = string;
  export default function ms(value: StringValue): number;
}
