import { createTable, neededIndexes } from "../../src/requests/table.js";
import { parse, required } from "../args.js";
import { loadAtoms } from "../atoms.js";
import type { Command } from "../command.js";
import { badInput, EXIT } from "../failure.js";

const FORMATS = ["json", "cloudformation"] as const;

/** A CloudFormation logical id from a table name: letters and digits only (`app-prod` → `AppProdTable`). */
function logicalId(table: string): string {
  const words = table.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
  const id = words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join("");
  return /^[A-Za-z]/.test(id) ? `${id}Table` : `Table${id}`;
}

export const table: Command = {
  summary: "the table definition (keys, GSIs, stream) for atom types, as JSON or CloudFormation",
  help: `Usage: dynatom table <schema files, folders or modules…> --name T [--format json|cloudformation]

Prints the DynamoDB table that holds these atom types: string keys pk and sk, one GSI per
generic index their indexes use (gsi1, gsi2, …, keys gsiNpk/gsiNsk), on-demand billing, and a
stream of new and old images (the change feed reads it).

  --format json            (default) CreateTable input: aws dynamodb create-table --cli-input-json file://t.json
  --format cloudformation  a template with one AWS::DynamoDB::Table resource

Options:
  --name T      the table name
  --format F    json or cloudformation
  -h, --help    this help

Exit codes: 0 printed, 2 bad input (bad schema files, unknown format).`,
  async run(argv, io) {
    const { values, positionals } = parse("table", argv, {
      name: { type: "string" },
      format: { type: "string" },
    });
    const name = required("table", "name", values.name);
    const format = values.format ?? "json";
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw badInput(`--format ${format}: use ${FORMATS.join(" or ")}`);
    }
    if (positionals.length === 0)
      throw badInput("dynatom table needs schema files, folders or modules");
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
      throw badInput(`--name ${name}: a table name is 3 to 255 letters, digits, _, - or .`);
    }
    const atoms = await loadAtoms(positionals, io.cwd, { withMigrations: false });
    const input = createTable(name, neededIndexes(atoms.flatMap((atom) => atom.indexes)), {
      stream: true,
    });
    const output =
      format === "json"
        ? input
        : {
            AWSTemplateFormatVersion: "2010-09-09",
            Description: `dynatom table ${name} for the atom types ${atoms
              .map((atom) => atom.name)
              .sort()
              .join(", ")}`,
            Resources: {
              [logicalId(name)]: {
                Type: "AWS::DynamoDB::Table",
                Properties: {
                  TableName: input.TableName,
                  BillingMode: input.BillingMode,
                  AttributeDefinitions: input.AttributeDefinitions,
                  KeySchema: input.KeySchema,
                  ...(input.GlobalSecondaryIndexes === undefined
                    ? {}
                    : { GlobalSecondaryIndexes: input.GlobalSecondaryIndexes }),
                  // CloudFormation's form: the view type alone enables the stream.
                  StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
                },
              },
            },
          };
    io.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return EXIT.ok;
  },
};
