export const packageName = 'stack';
