import { panmmuVitestConfig } from "../../vitest.shared.js";

export default panmmuVitestConfig();
