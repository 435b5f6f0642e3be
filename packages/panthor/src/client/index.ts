export { type BindOp, PanthorClient } from "./client.js";
