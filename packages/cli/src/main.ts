console.log('peakdrill');
