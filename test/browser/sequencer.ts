/**
 * Runs test/browser/dashboard.test.ts before the other browser test files: its first test makes
 * the inbox's first owner through the real first-owner form, which is only there while nobody has
 * an account (every other file adds its people through the API). The rest keep vitest's own order.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

const FIRST = "/test/browser/dashboard.test.ts";

export class FirstOwnerFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (spec: TestSpecification) => spec.project.name === "browser" && spec.moduleId.endsWith(FIRST);
    return [...sorted.filter(first), ...sorted.filter((spec) => !first(spec))];
  }
}
