export const packageName = 'core';
