// glance image-update <IMAGE_ID> [schema options] [--property k=v] [--remove-property k]:
// one JSON-patch request computed as glanceclient's image model computes it, then the image as
// read back from the server.
import { helpSchemaOptions, ImageCommand } from '../image-command';
import type { OptionSpec } from '../lib/argparse';
import { oclifArgs, oclifFlags } from '../lib/argparse-oclif';
import { HIDDEN_OPTION, PROPERTY_OPTION, UPDATE_OMITTED_PROPERTIES } from '../lib/images/image-options';
import { OUTPUT_OPTIONS, outputFlags, tableFitWidth } from '../lib/output/output-flags';

const OWN_OPTIONS: OptionSpec[] = [
  HIDDEN_OPTION,
  PROPERTY_OPTION,
  {
    name: 'remove-property',
    dest: 'remove_property',
    action: 'append',
    metavar: 'key',
    help: 'Name of arbitrary property to remove from the image.',
  },
];
const POSITIONALS = [{ dest: 'id', metavar: '<IMAGE_ID>', help: 'ID of image to update.' }];

export default class ImageUpdate extends ImageCommand {
  static override description = 'Update an existing image.';
  static override flags = {
    ...oclifFlags([...helpSchemaOptions(OWN_OPTIONS, UPDATE_OMITTED_PROPERTIES), ...OWN_OPTIONS]),
    ...outputFlags,
  };
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const commandLine = await this.parseWithImageSchema(
      [...OWN_OPTIONS, ...OUTPUT_OPTIONS],
      POSITIONALS,
      UPDATE_OMITTED_PROPERTIES,
    );
    const { values, api, schema } = commandLine;
    const { imageFields, imagePatch, validateImageFields } = await import('../lib/images/image-fields');
    const { imageText } = await import('../lib/images/image-output');
    const id = values.id as string;
    const fields = imageFields(values, [...commandLine.schemaDests, HIDDEN_OPTION.dest!], schema);

    const current = await api.get(id);
    validateImageFields(schema, fields);
    const patch = imagePatch(
      current.json,
      fields,
      (values.remove_property as string[] | undefined) ?? [],
      schema,
    );
    const image = await api.update(id, patch);
    this.writeOut(
      await imageText(image, commandLine.format, commandLine.columns, { fitWidth: tableFitWidth() }),
    );
  }
}
