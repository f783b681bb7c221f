import { afterAll } from "vitest";
import { removeTempDirs } from "./temp.js";

// Every test file leaves the temporary folder as it found it.
afterAll(removeTempDirs);
