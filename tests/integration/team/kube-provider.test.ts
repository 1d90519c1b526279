// The Kubernetes provider plugin scripts/ci-env/build-kube.sh built (from the provider module's commit of the day
// before 4.25.0: KUBE_TOOLS.providerModule) against the @pulumi/kubernetes 4.25.0 SDK the team program uses. The
// schema comes from the plugin as the engine gets it (`pulumi package get-schema`); every resource class of the SDK
// is compared, and every property the program sets over variants that switch on every optional input must be in the
// schema with a fitting value and among no difference. Under CI=true a missing plugin fails (support/kube.ts).
import { describe, expect, it } from "vitest";
import { KUBE_TOOLS } from "../../../src/facts.js";
import type { PackageSchema } from "../../../src/tools/provider-schema.js";
import { KUBERNETES, providerReport, reportLines, reportPasses, TEAM_TYPES } from "../../support/provider-schema.js";
import { builtKubeEnvironment } from "../support/kube.js";

const kube = await builtKubeEnvironment();

(kube ? describe : describe.skip)("Kubernetes provider plugin against @pulumi/kubernetes", () => {
  let schema: PackageSchema;

  it("is the commit KUBE_TOOLS names, not taken for the SDK's version", () => {
    schema = KUBERNETES.schema(kube!.pieces.providerPlugin, { ...process.env, ...kube!.env });
    expect(schema.name).toBe("kubernetes");
    expect(schema.version).toBe(KUBE_TOOLS.providerModule.replace(/^v/, ""));
    expect(KUBERNETES.sdkVersion).toBe(KUBE_TOOLS.provider);
  });

  it("differs from the SDK in no property the team program sets, and serves every resource it declares", async () => {
    const report = await providerReport(KUBERNETES, schema);
    console.log(reportLines(KUBERNETES, report).join("\n"));
    // Every kind of object the team program declares was seen, the Ingress included.
    expect(report.used.map((u) => u.token).sort()).toEqual([...TEAM_TYPES].sort());
    expect(report.comparison.compared.resources).toBeGreaterThan(400);
    expect(report.used.flatMap((u) => [...u.problems, ...u.differing])).toEqual([]);
    expect(reportPasses(report)).toBe(true);
  });

  it("would notice: a property the program sets taken out of the schema, or retyped, fails the check", async () => {
    const broken = structuredClone(schema);
    delete broken.types["kubernetes:core/v1:Container"]!.properties!["imagePullPolicy"];
    broken.types["kubernetes:core/v1:ServicePort"]!.properties!["targetPort"] = { type: "integer" };
    const report = await providerReport(KUBERNETES, broken);
    expect(reportPasses(report)).toBe(false);
    const flagged = report.used.flatMap((u) => [...u.problems, ...u.differing].map((line) => `${u.token} ${line}`));
    expect(flagged).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/StatefulSet spec\.template\.spec\.containers\.imagePullPolicy: not a property the schema knows/),
        expect.stringMatching(/StatefulSet spec\.template\.spec\.containers\.imagePullPolicy -> core\.v1\.Container\.imagePullPolicy: SDK string, provider absent/),
        expect.stringMatching(/Service spec\.ports\.targetPort: "http" is not integer/),
        expect.stringMatching(/Service spec\.ports\.targetPort -> core\.v1\.ServicePort\.targetPort: SDK number \| string, provider number/),
      ]),
    );
  });
});
