/** Every workflow type the worker hosts. */
export {};
