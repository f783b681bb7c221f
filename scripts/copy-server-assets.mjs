// Copies the files the server reads beside its code (word lists…) from src/ into build/, where the compiled
// JavaScript looks for them (`new URL("./data/…", import.meta.url)`).
import { cpSync } from "node:fs";

cpSync("src", "build", { recursive: true, filter: (path) => !/\.tsx?$/.test(path) });
