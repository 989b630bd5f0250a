// The image commands read their command line the way glanceclient's argparse does (optional
// values, one-or-more values, typed values, several positionals: see lib/argparse.ts), not through
// oclif. oclif still gets their flags and args — derived from the same description — for the help
// pages and the usage line of errors; `strict = false` keeps it from judging argv itself.
import { GlanceCommand, type GlobalFlagValues } from './base-command';
import {
  type CommandLineSpec,
  type OptionSpec,
  type ParseOptions,
  type ParsedArguments,
  parseCommandLine,
} from './lib/argparse';
import { GLOBAL_HELP_GROUP, GLOBAL_OPTIONS } from './lib/global-options';
import {
  helpImageSchema,
  type JsonSchema,
  mergeSchemaOptions,
  parseImageSchema,
  readCachedImageSchema,
  schemaOptions,
  writeImageSchemaCache,
} from './lib/images/image-schema';
import type { ImagesApi } from './lib/images/images-api';
import type { MembersApi } from './lib/members/members';
import type { OutputFormat } from './lib/output/formatters';
import { chosenFormat } from './lib/output/output-flags';

/** glanceclient's global options, accepted after the command too (argv.ts moves them there). */
export const GLOBAL_OPTION_SPECS: readonly OptionSpec[] = GLOBAL_OPTIONS.map((option) => ({
  name: option.name,
  char: option.char,
  aliases: option.aliases,
  action: option.takesValue ? 'store' : 'store_true',
  metavar: option.metavar,
  help: option.help,
  helpGroup: GLOBAL_HELP_GROUP,
}));

/** The parsed global options, as GlanceCommand.client() takes them. */
function globalFlagValues(parsed: ParsedArguments): GlobalFlagValues {
  const values: Record<string, unknown> = {};
  for (const option of GLOBAL_OPTIONS) values[option.name] = parsed[option.name];
  return values as GlobalFlagValues;
}

export interface ParsedCommandLine {
  /** The command's own values, by dest. */
  values: ParsedArguments;
  global: GlobalFlagValues;
  /** -f, or undefined for glanceclient's output (-c alone means table). */
  format: OutputFormat | undefined;
  columns: string[];
}

export interface SchemaCommandLine extends ParsedCommandLine {
  api: ImagesApi;
  /** The server's image schema. */
  schema: JsonSchema;
  /** Keys of the values the schema options were parsed into. */
  schemaDests: string[];
}

/**
 * The schema options help pages and usage lines show (computed when the command module loads,
 * as glanceclient's decorators do at import): from the cached schema, else the built-in one.
 */
export function helpSchemaOptions(ownOptions: readonly OptionSpec[], omittedProperties: readonly string[]) {
  const reserved = reservedOptionNames([...ownOptions, ...GLOBAL_OPTION_SPECS]);
  return schemaOptions(helpImageSchema(), omittedProperties).filter(
    (option) => !reserved.includes(option.name),
  );
}

/** Option strings (long names) taken by these options: a schema property cannot have them. */
export function reservedOptionNames(options: readonly OptionSpec[]): string[] {
  return options.flatMap((option) => [option.name, ...(option.aliases ?? [])]);
}

export abstract class ImageCommand extends GlanceCommand {
  static override strict = false;

  private liveSchema?: Promise<JsonSchema>;

  /** Parses this.argv against the command's options plus the global and output ones. */
  protected parseCommandLine(spec: CommandLineSpec, options: ParseOptions = {}): ParsedCommandLine {
    const values = parseCommandLine(
      { options: [...spec.options, ...GLOBAL_OPTION_SPECS], positionals: spec.positionals },
      this.argv,
      options,
    );
    const columns = (values.column as string[] | undefined) ?? [];
    return {
      values,
      global: globalFlagValues(values),
      format: chosenFormat({ format: values.format as OutputFormat | undefined, column: columns }),
      columns,
    };
  }

  /**
   * For image-create and image-update, whose options come partly from the image schema: a first
   * pass with the options glanceclient would offer (cache or built-in schema) reports what it
   * would report without asking the server; the server's schema then adds its own options, and
   * the command line is read again with all of them.
   */
  protected async parseWithImageSchema(
    ownOptions: readonly OptionSpec[],
    positionals: CommandLineSpec['positionals'],
    omittedProperties: readonly string[],
  ): Promise<SchemaCommandLine> {
    const offline = helpSchemaOptions(ownOptions, omittedProperties);
    const firstPass = this.parseCommandLine(
      { options: [...offline, ...ownOptions], positionals },
      { tolerateUnrecognized: true },
    );
    const api = await this.imagesApi(firstPass.global);
    const schema = await this.imageSchema(api, firstPass.global);
    const reserved = reservedOptionNames([...ownOptions, ...GLOBAL_OPTION_SPECS]);
    const schemaOptionSpecs = mergeSchemaOptions(offline, schemaOptions(schema, omittedProperties), reserved);
    const commandLine = this.parseCommandLine({
      options: [...schemaOptionSpecs, ...ownOptions],
      positionals,
    });
    return {
      ...commandLine,
      api,
      schema,
      schemaDests: schemaOptionSpecs.map((option) => option.dest ?? option.name),
    };
  }

  /** The Image API of the server the global options name; --get-schema refreshes the cache first. */
  protected async imagesApi(global: GlobalFlagValues): Promise<ImagesApi> {
    const client = await this.client(global);
    const { ImagesApi } = await import('./lib/images/images-api');
    const api = new ImagesApi(client);
    if (global['get-schema']) await this.imageSchema(api, global);
    return api;
  }

  /** The image members calls on the server the global options name. */
  protected async membersApi(global: GlobalFlagValues): Promise<MembersApi> {
    const client = await this.client(global);
    const { MembersApi } = await import('./lib/members/members');
    return new MembersApi(client);
  }

  /**
   * The server's image schema, fetched once per run. Cached in ~/.glanceclient (glanceclient's
   * file) when no cache exists yet, or with --get-schema.
   */
  protected imageSchema(api: ImagesApi, global: GlobalFlagValues): Promise<JsonSchema> {
    this.liveSchema ??= (async () => {
      const { py, json } = await api.schema();
      const schema = parseImageSchema(json);
      if (global['get-schema'] || readCachedImageSchema() === undefined) writeImageSchemaCache(py);
      return schema;
    })();
    return this.liveSchema;
  }
}
