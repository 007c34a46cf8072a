// Validates rendered Kubernetes manifests (kubectl kustomize output on stdin) against the
// Kubernetes API's OpenAPI schemas, as compiled into kubernetes-models (installed by
// deploy/checks/install.sh): every object must be a known apiVersion/kind, and its fields
// must match the schema (types, required fields, enums, formats; ajv here does not flag unknown fields).
// Then what the issue asks of the workloads: probes, requests and limits on every container,
// and an HPA, a PDB and NetworkPolicies present.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const documents = parseAllDocuments(readFileSync(0, 'utf8')).map((document) => document.toJSON()).filter(Boolean);
const problems = [];
const kinds = new Map();

for (const object of documents) {
  const { apiVersion, kind } = object;
  const name = `${kind}/${object.metadata?.name}`;
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const module = await import(`kubernetes-models/${group ? `${group}/` : ''}${version}`).catch(() => null);
  const Model = module?.[kind];
  if (!Model) {
    problems.push(`${name}: unknown apiVersion/kind ${apiVersion} ${kind}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${name}: ${error.message.split('\n').slice(0, 4).join(' ')}`);
  }
  const pod = object.spec?.template?.spec;
  if (pod && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(kind)) {
    for (const container of pod.containers ?? []) {
      const where = `${name} container ${container.name}`;
      if (!container.readinessProbe) problems.push(`${where}: no readinessProbe`);
      if (!container.livenessProbe) problems.push(`${where}: no livenessProbe`);
      if (!container.resources?.requests || !container.resources?.limits) problems.push(`${where}: no requests and limits`);
    }
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot is not set`);
  }
}
for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'Deployment', 'Service']) {
  if (!kinds.has(kind)) problems.push(`no ${kind} in the rendered manifests`);
}
for (const problem of problems) console.log(`FAIL  ${problem}`);
console.log(
  `${problems.length ? 'FAIL' : 'PASS'}  ${documents.length} objects validated against the Kubernetes schemas: ${[...kinds]
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ')}`,
);
process.exit(problems.length ? 1 : 0);
